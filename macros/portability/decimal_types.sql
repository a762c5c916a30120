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

{#- The exact fast price type for a unit price per `per` units (1000000 for *_mtok, 1000 for *_kcount):
    12 - log10(per) decimals, so units x price x 1/per lands exactly at money scale 12 with no rounding
    cast (decimal(18, 6) per million tokens, decimal(18, 9) per thousand requests; 64-bit on DuckDB,
    where the rounding cast of a 128-bit decimal is what made per-call pricing slow). A price with more
    decimals does not fit: int_llm_calls_priced prices such calls on the price_type() path instead. -#}
{% macro fast_price_type(per) -%}
    {{ return(adapter.dispatch('fast_price_type', 'ai_cost_allocation')(per)) }}
{%- endmacro %}

{% macro default__fast_price_type(per) -%}
    decimal(18, {{ fast_price_scale(per) }})
{%- endmacro %}

{#- Decimals of fast_price_type(per): 12 (money scale) minus the decimals of 1/per. -#}
{% macro fast_price_scale(per) -%}
    {%- set zeros = ((per | int) | string | length) - 1 -%}
    {{- 12 - zeros -}}
{%- endmacro %}

{#- The number of decimals of a decimal value, up to `up_to`; up_to + 1 when it has more, or when it
    does not fit decimal(18, up_to) at all (a cast would overflow: an error on DuckDB, null on Spark);
    0 for null. For the small rate-card and override tables only: it decides which calls take the fast
    price type. -#}
{% macro decimal_places(value, up_to) -%}
    case
        when {{ value }} is null then 0
        when abs({{ value }}) >= {{ 10 ** (18 - up_to | int) }} then {{ up_to | int + 1 }}
        {%- for scale in range(up_to | int + 1) %}
        when {{ value }} = round({{ value }}, {{ scale }}) then {{ scale }}
        {%- endfor %}
        else {{ up_to | int + 1 }}
    end
{%- endmacro %}
