{#- The view materialization on DuckDB: `create or replace view` inside the model's transaction.
    dbt's default creates `<view>__dbt_tmp`, renames the old view to `__dbt_backup`, renames the new one
    into place, commits, then drops the backup: five statements and two transactions for each staging
    view on every run, where DuckDB replaces a view atomically in one (views are bound when queried, so
    nothing depends on the old one). A table in the view's place (a model switched from table to view)
    is dropped first, in the same transaction. The rest is dbt's: hooks, grants, persist_docs, the
    contract check. Spark and other engines keep their own view materialization. -#}
{% materialization view, adapter='duckdb' %}

    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- set grant_config = config.get('grants') -%}
    {%- set contract_config = config.get('contract') -%}
    {%- set sql_header = config.get('sql_header', none) -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}

    -- `BEGIN` happens here:
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {% if existing_relation is not none and not existing_relation.is_view %}
        {{ adapter.drop_relation(existing_relation) }}
    {% endif %}

    {% call statement('main') -%}
        {%- if contract_config is not none and contract_config.enforced %}
            {{ get_assert_columns_equivalent(sql) }}
        {%- endif %}
        {{ sql_header if sql_header is not none }}
        create or replace view {{ target_relation }} as (
            {{ sql }}
        );
    {%- endcall %}

    {% set should_revoke = should_revoke(existing_relation, full_refresh_mode=True) %}
    {% do apply_grants(target_relation, grant_config, should_revoke=should_revoke) %}

    {% do persist_docs(target_relation, model) %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}

    {{ adapter.commit() }}

    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}
