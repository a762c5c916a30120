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

{#- DuckDB: delete every reprocessed day, then insert it whole (the day is the "unique key"). -#}
{% macro duckdb__incremental_by_day_config(day_column, unique_key) -%}
    {{ return({'incremental_strategy': 'delete+insert', 'unique_key': day_column}) }}
{%- endmacro %}

{#- Spark / Databricks: the table is partitioned by the day and every reprocessed day is overwritten
    whole (insert_overwrite with dynamic partition overwrite), the equivalent of DuckDB's delete+insert.
    Works with dbt-spark's default Parquet tables and with Delta. -#}
{% macro spark__incremental_by_day_config(day_column, unique_key) -%}
    {{ return({'incremental_strategy': 'insert_overwrite', 'partition_by': [day_column]}) }}
{%- endmacro %}
