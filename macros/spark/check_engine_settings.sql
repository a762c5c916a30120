{#- on-run-start: stop before building anything when the engine would not compute money exactly.

    Spark (spark__): spark.sql.decimalOperations.allowPrecisionLoss must be false. With Spark's default
    (true) a product or quotient of two DECIMAL(38, s) values is cut to 6 decimals, so costs, revenue
    allocation and ratios would drift from DuckDB's by up to 5e-7 USD. false gives DuckDB's rule: the
    result keeps its scale and an overflow is null (dbt-spark runs with ANSI mode off). The session time
    zone must be UTC (timestamps are naive UTC). Both are set in profiles.yml (server_side_parameters);
    on Databricks, in the cluster's or warehouse's Spark config. DuckDB (default__): nothing to check. -#}
{% macro check_engine_settings() -%}
    {{ return(adapter.dispatch('check_engine_settings', 'ai_cost_allocation')()) }}
{%- endmacro %}

{% macro default__check_engine_settings() -%}
{%- endmacro %}

{% macro duckdb__check_engine_settings() -%}
{%- endmacro %}

{% macro spark__check_engine_settings() -%}
    {%- if execute -%}
        {%- set required = {
            'spark.sql.decimalOperations.allowPrecisionLoss': 'false',
            'spark.sql.session.timeZone': 'UTC',
        } -%}
        {%- for key, expected in required.items() -%}
            {%- set actual = run_query('set ' ~ key).columns[1].values()[0] -%}
            {%- if (actual | string | lower) != (expected | lower) -%}
                {{ exceptions.raise_compiler_error(
                    'check_engine_settings: ' ~ key ~ ' is ' ~ actual ~ ', must be ' ~ expected
                    ~ ' (profiles.yml server_side_parameters; see docs/SPARK.md)'
                ) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
