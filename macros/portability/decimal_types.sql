{#- The two decimal types of the project. Money (USD amounts) is decimal(38, 12) end to end; unit
    prices (USD per million tokens, per thousand requests) keep six more digits. Never float. -#}
{% macro money_type() -%}
    {{ return(adapter.dispatch('money_type', 'ai_cost_allocation')()) }}
{%- endmacro %}

{% macro default__money_type() -%}
    decimal(38, 12)
{%- endmacro %}

{% macro duckdb__money_type() -%}
    decimal(38, 12)
{%- endmacro %}

{% macro price_type() -%}
    {{ return(adapter.dispatch('price_type', 'ai_cost_allocation')()) }}
{%- endmacro %}

{% macro default__price_type() -%}
    decimal(38, 18)
{%- endmacro %}

{% macro duckdb__price_type() -%}
    decimal(38, 18)
{%- endmacro %}

{#- Spark: the same types. Exact arithmetic on them needs spark.sql.decimalOperations.allowPrecisionLoss
    = false (checked by check_engine_settings on every run). -#}
{% macro spark__money_type() -%}
    decimal(38, 12)
{%- endmacro %}

{% macro spark__price_type() -%}
    decimal(38, 18)
{%- endmacro %}
