{#- trim(expression), the same value on every engine, skipping the copy trim makes of every string
    when nothing can be stripped (most values are clean; 12 columns of every canonical call). -#}
{% macro trim_if_padded(expression) -%}
    {{ return(adapter.dispatch('trim_if_padded', 'ai_cost_allocation')(expression)) }}
{%- endmacro %}

{% macro default__trim_if_padded(expression) -%}
    trim({{ expression }})
{%- endmacro %}

{#- DuckDB's trim strips the Unicode space separators (category Zs): in an ASCII value only the
    space, so an ASCII value (as many bytes as characters) that neither starts nor ends with a space
    is already trimmed; any other value goes through trim. -#}
{% macro duckdb__trim_if_padded(expression) -%}
    case
        when
            {{ expression }} like ' %'
            or {{ expression }} like '% '
            or strlen({{ expression }}) <> length({{ expression }})
            then trim({{ expression }})
        else {{ expression }}
    end
{%- endmacro %}
