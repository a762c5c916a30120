{#- A struct of named fields, in order, from a list of [name, SQL expression] pairs: the value whose
    min()/max() in a group picks the row first by the fields in turn (an aggregate instead of a window
    with row_number() = 1, as in int_trace_roots_identified). Fields are compared as ORDER BY does on
    each engine: DuckDB puts nulls last, Spark first, in both. Read a field as `alias.name`. -#}
{% macro named_struct(fields) -%}
    {{ return(adapter.dispatch('named_struct', 'ai_cost_allocation')(fields)) }}
{%- endmacro %}

{#- Spark, Databricks -#}
{% macro default__named_struct(fields) -%}
    named_struct(
        {%- for name, expression in fields %}'{{ name }}', {{ expression }}{{ ', ' if not loop.last }}{% endfor -%}
    )
{%- endmacro %}

{% macro duckdb__named_struct(fields) -%}
    struct_pack(
        {%- for name, expression in fields %}{{ name }} := {{ expression }}{{ ', ' if not loop.last }}{% endfor -%}
    )
{%- endmacro %}
