{#- Data tests scoped to the days a nightly run reprocessed (dbt's documented `where` mechanism:
    an override of get_where_subquery that resolves a placeholder).

    var('data_test_scope') is 'all' (default: every row) or 'window' (the nightly job, the Dagster
    build and the benchmark pass it on every run, so the vars never change and dbt keeps its partial
    parse). In 'window' the scope is decided at execution time, per invocation: on-run-start
    (record_data_test_window) reads, before any model runs, the earliest of the incremental tables'
    latest days and records that day minus var('lookback_days') (the formula of
    incremental_start_date: where the incremental models start) for this invocation_id; the tests
    read it back as a constant. A first build (an incremental table missing), an empty table or a
    --full-refresh records no start: every row is tested. -#}

{#- The one-row table where on-run-start records the window of the current invocation. -#}
{% macro data_test_window_relation() -%}
    {{ return(api.Relation.create(
        database=target.database, schema=target.schema, identifier='dbt_data_test_window')) }}
{%- endmacro %}

{#- on-run-start: records (invocation_id, window_start) on a window run; nothing otherwise. It runs
    before any model, on every run: the incremental tables' latest days are read in one query (after
    one catalog query on DuckDB that checks they have their window column). -#}
{% macro record_data_test_window() -%}
    {%- if var('data_test_scope', 'all') != 'window' or not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set state = namespace(complete=true) -%}
    {%- set latest_days = [] -%}
    {%- if not flags.FULL_REFRESH -%}
        {#- [relation, window column] of each incremental model that declares one -#}
        {%- set tables = [] -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == 'model' and node.config.materialized == 'incremental'
            and node.config.get('meta', {}).get('data_test_window_column') -%}
            {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) -%}
            {%- if relation is none or not relation.is_table -%}
                {%- set state.complete = false -%}
            {%- else -%}
                {%- do tables.append([relation, node.config.meta.data_test_window_column]) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if state.complete and tables and not data_test_window_columns_exist(tables) -%}
            {%- set state.complete = false -%}
        {%- endif -%}
        {%- if state.complete and tables -%}
            {%- set maxima = [] -%}
            {%- for relation, column in tables -%}
                {%- do maxima.append('(select max(' ~ column ~ ') from ' ~ relation ~ ')') -%}
            {%- endfor -%}
            {%- for latest in run_query('select ' ~ maxima | join(', ')).rows[0] -%}
                {%- if latest is none -%}
                    {%- set state.complete = false -%}
                {%- else -%}
                    {%- do latest_days.append(latest | string) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {%- set start = 'null' -%}
    {%- if state.complete and latest_days -%}
        {%- set first = modules.datetime.date.fromisoformat((latest_days | min)[:10])
            - modules.datetime.timedelta(days=var('lookback_days') | int) -%}
        {%- set start = "'" ~ first.isoformat() ~ "'" -%}
    {%- endif -%}
    {%- set window = data_test_window_relation() -%}
    {%- do run_query('drop table if exists ' ~ window) -%}
    {%- do run_query(
        'create table ' ~ window ~ ' as select '
        ~ "cast('" ~ invocation_id ~ "' as " ~ dbt.type_string() ~ ") as invocation_id, "
        ~ 'cast(' ~ start ~ ' as date) as window_start'
    ) -%}
    {#- run_query opened a transaction on the hooks' connection, which dbt would roll back. -#}
    {%- do adapter.commit() -%}
    {{ return('') }}
{%- endmacro %}

{#- Whether every [relation, column] of `tables` has its column (a table built before the column existed
    is tested in full). -#}
{% macro data_test_window_columns_exist(tables) -%}
    {{ return(adapter.dispatch('data_test_window_columns_exist', 'ai_cost_allocation')(tables)) }}
{%- endmacro %}

{% macro default__data_test_window_columns_exist(tables) -%}
    {%- for relation, column in tables -%}
        {%- if column not in (adapter.get_columns_in_relation(relation) | map(attribute='name') | list) -%}
            {{ return(false) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(true) }}
{%- endmacro %}

{#- One catalog query instead of a DESCRIBE per table. -#}
{% macro duckdb__data_test_window_columns_exist(tables) -%}
    {%- set wanted = [] -%}
    {%- for relation, column in tables -%}
        {%- do wanted.append("('" ~ [relation.database, relation.schema, relation.identifier, column] | map('lower') | join("', '") ~ "')") -%}
    {%- endfor -%}
    {%- set found = run_query(
        'select count(distinct (database_name, schema_name, table_name, column_name)) from duckdb_columns()'
        ~ ' where (lower(database_name), lower(schema_name), lower(table_name), lower(column_name)) in ('
        ~ wanted | join(', ') ~ ')'
    ).columns[0].values()[0] -%}
    {{ return(found == tables | length) }}
{%- endmacro %}

{#- The window's first day as a date literal, or none when every row is to be tested (scope 'all',
    parse time, or no window recorded for this invocation: a first build, a --full-refresh, a command
    without on-run-start such as `dbt compile`). -#}
{% macro reprocessed_window_start() -%}
    {%- set scope = var('data_test_scope', 'all') -%}
    {%- if scope == 'all' -%}
        {{ return(none) }}
    {%- elif scope != 'window' -%}
        {{ exceptions.raise_compiler_error("var data_test_scope must be 'all' or 'window', got '" ~ scope ~ "'") }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set window = data_test_window_relation() -%}
    {%- if adapter.get_relation(window.database, window.schema, window.identifier) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set recorded = run_query(
        'select window_start from ' ~ window ~ " where invocation_id = '" ~ invocation_id ~ "'"
    ).columns[0].values() -%}
    {%- if not recorded or recorded[0] is none -%}
        {{ return(none) }}
    {%- endif -%}
    {#- A literal, so the engine filters by a constant (pushed down to the scans, as in the models). -#}
    {{ return("cast('" ~ (recorded[0] | string)[:10] ~ "' as date)") }}
{%- endmacro %}

{#- A predicate for singular tests: `<column> >= <window start>` on a window run, else `1 = 1`. -#}
{% macro in_reprocessed_window(column) -%}
    {%- set start = reprocessed_window_start() -%}
    {%- if start is none -%}
        1 = 1
    {%- else -%}
        {{ column }} >= {{ start }}
    {%- endif -%}
{%- endmacro %}

{#- Overrides dbt's get_where_subquery, which wraps the `model` of every generic test (the root
    project's macro wins; dbt's docs show the same override). Three cases, in this order:
    - a test's `where` containing __reprocessed_window_start__: on a window run the placeholder becomes
      the window's first day (and __tested_relation__ the tested relation, for a `where` such as
      "call_id in (select call_id from __tested_relation__ where call_date >= __reprocessed_window_start__)"
      that keeps a unique test sound: the window's keys against the whole table); otherwise the whole
      `where` is dropped so that every row is tested (a comparison with an early date would drop null
      rows and blind not_null);
    - no `where`, and the tested model declares meta.data_test_window_column: on a window run the test
      reads only `<column> >= <window start>`, otherwise every row;
    - anything else: dbt's behaviour. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {#- The window is read (one query) only for the tests it can scope. -#}
    {%- set scoped = (where and '__reprocessed_window_start__' in where) or (not where and data_test_window_column()) -%}
    {%- set start = reprocessed_window_start() if scoped else none -%}
    {%- if where and '__reprocessed_window_start__' in where -%}
        {%- if start is none -%}
            {%- set where = '' -%}
        {%- else -%}
            {%- set where = where | replace('__reprocessed_window_start__', start)
                | replace('__tested_relation__', relation | string) -%}
        {%- endif -%}
    {%- elif not where and start is not none -%}
        {%- set column = data_test_window_column() -%}
        {%- if column -%}
            {%- set where = column ~ ' >= ' ~ start -%}
        {%- endif -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}

{#- The window column declared by the model a generic test is attached to (meta.data_test_window_column),
    or '' (tests on sources and seeds, models without it). -#}
{% macro data_test_window_column() -%}
    {%- set attached = model.get('attached_node') if model is mapping else model.attached_node -%}
    {%- if not attached or attached not in graph.nodes -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(graph.nodes[attached].config.get('meta', {}).get('data_test_window_column', '')) }}
{%- endmacro %}
