{#- The table materialization on DuckDB: drop the old table and create the new one inside the model's
    transaction. dbt-duckdb's creates `<table>__dbt_tmp`, renames the old table to `__dbt_backup` and
    the new one into place, commits, then drops the backup in a second transaction: four statements
    more for each rebuilt table on every run. DuckDB's DDL is transactional, so the swap stays atomic:
    until the commit every reader sees the old table, and a failed build rolls back to it. Tables are
    created by create_table_as (macros/portability/create_table_as.sql: contracts, uncompressed
    columns). The project has no Python models, foreign keys, indexes or DuckLake tables, the cases
    dbt-duckdb's materialization also handles (a Python model needs it back). Spark and other engines
    keep their own table materialization. -#}
{% materialization table, adapter='duckdb', supported_languages=['sql'] %}

    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set grant_config = config.get('grants') -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}

    -- `BEGIN` happens here:
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {% if existing_relation is not none %}
        {{ adapter.drop_relation(existing_relation) }}
    {% endif %}

    {% call statement('main') -%}
        {{- create_table_as(False, target_relation, compiled_code, 'sql') }}
    {%- endcall %}

    {% do create_indexes(target_relation) %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}

    {% set should_revoke = should_revoke(existing_relation, full_refresh_mode=True) %}
    {% do apply_grants(target_relation, grant_config, should_revoke=should_revoke) %}

    {% do persist_docs(target_relation, model) %}

    -- `COMMIT` happens here
    {{ adapter.commit() }}

    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}
