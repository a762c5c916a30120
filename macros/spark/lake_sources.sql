{#- on-run-start: make the dbt sources resolve on engines that do not hold the raw tables themselves.

    DuckDB loads raw.* into its own file, so there is nothing to do (default__). On Spark every source
    table of this project becomes an external Parquet table over the raw lake that the ingestion publishes
    (orchestration/lake.py): <lake>/<source schema>/<table>/, e.g. warehouse/lake/raw/canonical_llm_calls/.
    The table is re-created on every run, so a new column or a re-published folder is picked up; a table
    of that name that is not an external table (a managed table someone loaded) is never dropped: the run
    stops and says so. With var('spark_lake_sources') = false (a cluster whose raw.* tables are loaded by
    other means) the sources resolve to whatever raw.* tables exist. -#}
{% macro register_lake_sources() -%}
    {{ return(adapter.dispatch('register_lake_sources', 'ai_cost_allocation')()) }}
{%- endmacro %}

{% macro default__register_lake_sources() -%}
{%- endmacro %}

{% macro duckdb__register_lake_sources() -%}
{%- endmacro %}

{% macro spark__register_lake_sources() -%}
    {%- if execute and var('spark_lake_sources', true) -%}
        {%- set lake = lake_location() -%}
        {%- set sources = graph.sources.values() | selectattr('package_name', 'equalto', project_name) | list -%}
        {%- for schema in sources | map(attribute='schema') | unique -%}
            {%- do run_query('create schema if not exists ' ~ schema) -%}
        {%- endfor -%}
        {%- for source in sources | sort(attribute='unique_id') -%}
            {%- set location = lake ~ '/' ~ source.schema ~ '/' ~ source.identifier -%}
            {%- set existing = adapter.get_relation(database=none, schema=source.schema, identifier=source.identifier) -%}
            {%- if existing is not none -%}
                {%- set table_type = spark_table_type(source.schema ~ '.' ~ source.identifier) -%}
                {%- if table_type != 'EXTERNAL' -%}
                    {{ exceptions.raise_compiler_error(
                        'register_lake_sources: ' ~ source.schema ~ '.' ~ source.identifier ~ ' exists and is '
                        ~ (table_type or 'a view') ~ ', not an external table over the lake; it is left alone. '
                        ~ 'Drop it, or run with --vars "{spark_lake_sources: false}" to read it as the source.'
                    ) }}
                {%- endif -%}
                {%- do run_query('drop table ' ~ source.schema ~ '.' ~ source.identifier) -%}
            {%- endif -%}
            {%- do run_query(
                'create table ' ~ source.schema ~ '.' ~ source.identifier
                ~ " using parquet location '" ~ location ~ "'"
            ) -%}
        {%- endfor -%}
        {%- do log('register_lake_sources: ' ~ sources | length ~ ' raw tables over ' ~ lake, info=true) -%}
    {%- endif -%}
{%- endmacro %}

{#- MANAGED, EXTERNAL or VIEW, from `describe table extended` (Spark); none when the row is missing. -#}
{% macro spark_table_type(table_name) -%}
    {%- set rows = run_query('describe table extended ' ~ table_name) -%}
    {%- for row in rows if row[0] == 'Type' -%}
        {{ return(row[1] | trim | upper) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#- Where the raw lake is: var('lake_dir'), else AICOST_LAKE_DIR, else the folder `lake` beside the DuckDB
    warehouse (AICOST_WAREHOUSE) — the same rule as orchestration/settings.py, so the ingestion writes where
    dbt reads. A local path, or any URI the engine reads (s3://, abfss://, dbfs:/...). -#}
{% macro lake_location() -%}
    {%- set configured = var('lake_dir', '') or env_var('AICOST_LAKE_DIR', '') -%}
    {%- if configured -%}
        {{ return(configured.rstrip('/')) }}
    {%- endif -%}
    {%- set warehouse = env_var('AICOST_WAREHOUSE', 'warehouse/ai_costs.duckdb') -%}
    {%- set parent = warehouse.rsplit('/', 1)[0] if '/' in warehouse else '.' -%}
    {{ return(parent ~ '/lake') }}
{%- endmacro %}
