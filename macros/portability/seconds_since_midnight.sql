{#- Whole seconds since UTC midnight of a timestamp (0..86399), for time-of-day price windows.
    Timestamps in this project are naive UTC. -#}
{% macro seconds_since_midnight(timestamp_column) -%}
    {{ return(adapter.dispatch('seconds_since_midnight', 'ai_cost_allocation')(timestamp_column)) }}
{%- endmacro %}

{% macro default__seconds_since_midnight(timestamp_column) -%}
    (
        extract(hour from {{ timestamp_column }}) * 3600
        + extract(minute from {{ timestamp_column }}) * 60
        + floor(extract(second from {{ timestamp_column }}))
    )
{%- endmacro %}

{% macro duckdb__seconds_since_midnight(timestamp_column) -%}
    (hour({{ timestamp_column }}) * 3600 + minute({{ timestamp_column }}) * 60 + second({{ timestamp_column }}))
{%- endmacro %}

{#- Spark's second() is the whole second, like DuckDB's. -#}
{% macro spark__seconds_since_midnight(timestamp_column) -%}
    (hour({{ timestamp_column }}) * 3600 + minute({{ timestamp_column }}) * 60 + second({{ timestamp_column }}))
{%- endmacro %}
