{#- Several exact continuous percentiles of `column` within the group in one aggregate: an array in the
    order of `fractions`, element i being exactly percentile_cont(column, fractions[i]). Take the
    elements with array_element(). duckdb__: one quantile_cont over a list of fractions keeps one copy
    of the group's values for all of them (one quantile_cont per fraction keeps a copy each: at 10M
    calls that spilled); default__ and spark__ build the array from percentile_cont(), so their results
    are those of percentile_cont by construction. -#}
{% macro percentile_cont_list(column, fractions) -%}
    {{ return(adapter.dispatch('percentile_cont_list', 'ai_cost_allocation')(column, fractions)) }}
{%- endmacro %}

{% macro default__percentile_cont_list(column, fractions) -%}
    array[
        {%- for fraction in fractions %}
        {{ percentile_cont(column, fraction) }}{{ ',' if not loop.last }}
        {%- endfor %}
    ]
{%- endmacro %}

{% macro duckdb__percentile_cont_list(column, fractions) -%}
    quantile_cont({{ column }}, [{{ fractions | join(', ') }}])
{%- endmacro %}

{% macro spark__percentile_cont_list(column, fractions) -%}
    array(
        {%- for fraction in fractions %}
        {{ percentile_cont(column, fraction) }}{{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{#- The element at `position` (1-based) of an array expression; null past its end. -#}
{% macro array_element(array_expression, position) -%}
    {{ return(adapter.dispatch('array_element', 'ai_cost_allocation')(array_expression, position)) }}
{%- endmacro %}

{% macro default__array_element(array_expression, position) -%}
    ({{ array_expression }})[{{ position }}]
{%- endmacro %}

{#- Spark: element_at is 1-based (get() and [] are 0-based). -#}
{% macro spark__array_element(array_expression, position) -%}
    element_at({{ array_expression }}, {{ position }})
{%- endmacro %}
