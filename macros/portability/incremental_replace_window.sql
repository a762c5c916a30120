{#- DuckDB's incremental strategy 'replace_window' (incremental_by_day_config): the model's query is
    written to the table once. dbt-duckdb's delete+insert first writes the whole reprocessed window
    to a temporary table (to find the days it holds), then deletes those days from the table and
    copies the temporary table in: the window is written twice. Here the materialization's "temporary relation" is a temporary view of the query
    (replace_window_source_view), and the strategy deletes every day from the window start on and
    inserts the view's rows, computed then, straight into the table.

    The contract of a model using it: on an incremental run its query returns, for every day >=
    incremental_start_date(day column), exactly the rows a full refresh has for that day, and no row
    of an earlier day. The core models meet it (their comments say why each window day is whole):
    int_llm_call_repeats_resolved reads records with started_at >= start and takes call_date from
    started_at; fct_llm_calls reads calls with started_at >= start (call_date is its day);
    int_trace_roots_identified reads calls and spans with started_at >= start, and trace_date is the day of the
    earliest of them; fct_request_trees reads calls and roots of days >= start, and trace_date is
    the day of the earlier of their starts (the traces begun before the window are dropped by both:
    their rows stay). Then
    deleting every day >= the start (not only the days found in the new rows) and inserting the
    query's rows gives the full refresh's table; a day of the window that no longer has any row
    (its calls gone) is emptied, where delete+insert would have kept it.
    - The window start is incremental_start_date(day_column), queried again here: it reads the
      latest day of {{ this }}, still unchanged at this point (the view has not run and nothing was
      deleted yet), so it is the bound the model's query was compiled with. The query must contain
      that rendered bound (a model reading another window would lose days): checked below.
    - The view runs after the delete, in the same transaction. A query reading {{ this }} (the
      roots model reads its traces begun before the window: trace_date < start) reads only days the
      delete left alone, so it sees what it would have before the delete.
    - A row before the window (or with a null day) would not replace anything (a duplicate): the
      insert fails on it with error() instead of writing it, and dbt rolls the delete back with it.
      Evaluated on the inserted rows only.
    - The table keeps its definition: the contract's types and constraints and the columns stored
      `using compression uncompressed` (create_table_as.sql) hold for the rows inserted here too.
    - `incremental_predicates` narrow which rows a delete removes, which would break the equality
      with a full refresh: refused.
    Spark never gets here (insert_overwrite of the day partitions); unique_key carries the day
    column, as it did for delete+insert. -#}
{% macro get_incremental_replace_window_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set day_column = arg_dict['unique_key'] -%}
    {%- if day_column is not string -%}
        {% do exceptions.raise_compiler_error(
            "incremental strategy replace_window of " ~ target ~ " needs unique_key to be the day column, got "
            ~ day_column
        ) %}
    {%- endif -%}
    {%- if arg_dict['incremental_predicates'] -%}
        {% do exceptions.raise_compiler_error(
            "incremental strategy replace_window of " ~ target ~ " replaces every day of the window: "
            ~ "incremental_predicates are not supported"
        ) %}
    {%- endif -%}
    {%- set window_start = incremental_start_date(day_column) | trim -%}
    {%- if execute and window_start not in (compiled_code or '') -%}
        {% do exceptions.raise_compiler_error(
            "incremental strategy replace_window of " ~ target ~ " deletes the days from " ~ window_start
            ~ " on, but the model's query does not contain that bound: filter it with incremental_start_date('"
            ~ day_column ~ "')"
        ) %}
    {%- endif -%}
    {%- set day_name = day_column | lower -%}
    {%- set names = arg_dict['dest_columns'] | map(attribute='name') | list -%}
    {%- set message = target.identifier ~ ': a row of the incremental query has ' ~ day_column
        ~ ' null or before the window start ' ~ window_start.split("'")[1] -%}

    delete from {{ target }}
    where {{ adapter.quote(day_column) }} >= {{ window_start }};

    insert into {{ target }} ({{ get_quoted_csv(names) }})
    select
    {%- for name in names %}
        {%- set quoted = adapter.quote(name) %}
        {%- if name | lower == day_name %}
        case when {{ quoted }} >= {{ window_start }} then {{ quoted }} else error('{{ message }}') end as {{ quoted }}
        {%- else %}
        {{ quoted }}
        {%- endif %}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ source }};

    drop view {{ source }};
{%- endmacro %}

{#- The materialization's temporary relation for 'replace_window': a temporary view of the model's
    query instead of a temporary table (dispatched from duckdb__create_table_as). dbt-duckdb then
    reads only its columns (DESCRIBE: on_schema_change, the column types), which binds the query
    without running it. A contract is checked as for the temporary table. -#}
{% macro replace_window_source_view(relation, compiled_code) -%}
    {%- set contract_config = config.get('contract') -%}
    {%- set sql_header = config.get('sql_header', none) -%}

    {{ sql_header if sql_header is not none }}
    {%- if contract_config is not none and contract_config.enforced %}
    {{ get_assert_columns_equivalent(compiled_code) }}
    {%- endif %}

    create temporary view {{ relation.include(database=false, schema=false) }} as (
        {{ compiled_code }}
    );
{%- endmacro %}
