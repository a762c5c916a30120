{#- How a fact that is rebuilt by whole days is merged into its table, per engine. Returns a dict
    of model configs, used as `config(materialized='incremental', **incremental_by_day_config(...))`.
    Every strategy replaces the reprocessed days (or the reprocessed rows) so that a run with a
    look-back gives the same table as a full refresh. -#}
{% macro incremental_by_day_config(day_column, unique_key) -%}
    {{ return(adapter.dispatch('incremental_by_day_config', 'ai_cost_allocation')(day_column, unique_key)) }}
{%- endmacro %}

{#- Most warehouses: merge on the row key. -#}
{% macro default__incremental_by_day_config(day_column, unique_key) -%}
    {{ return({'incremental_strategy': 'merge', 'unique_key': unique_key}) }}
{%- endmacro %}

{#- DuckDB: delete every day from the window start on (incremental_start_date), then insert the
    model's query straight into the table: the window is written once (incremental_replace_window.sql;
    dbt-duckdb's delete+insert writes it to a temporary table first). The day is the "unique key". -#}
{% macro duckdb__incremental_by_day_config(day_column, unique_key) -%}
    {{ return({'incremental_strategy': 'replace_window', 'unique_key': day_column}) }}
{%- endmacro %}

{#- Spark / Databricks: the table is partitioned by the day and every reprocessed day is overwritten
    whole (insert_overwrite with dynamic partition overwrite: the days present in the new rows),
    the counterpart of DuckDB's replace_window.
    Works with dbt-spark's default Parquet tables and with Delta. -#}
{% macro spark__incremental_by_day_config(day_column, unique_key) -%}
    {{ return({'incremental_strategy': 'insert_overwrite', 'partition_by': [day_column]}) }}
{%- endmacro %}
