{#- The first day an incremental run reprocesses: the latest day already in {{ this }} minus
    var('lookback_days') (late-arriving files), as a date literal. It is computed before the model's
    query runs, so the engine filters by a constant (pushed down to the scans, row groups pruned)
    instead of a subquery. An empty table gives 1900-01-01: everything. Portable: dbt.dateadd and a
    plain cast. On DuckDB it is also the first day the strategy replace_window deletes
    (incremental_replace_window.sql), queried again there before the delete: the same value.
    A sparse table (a row only for some calls) has no reliable latest day of its own: it names in
    meta.window_latest_day_from the model whose table gives it (same day column), and takes that
    model's window. -#}
{% macro incremental_start_date(day_column) -%}
    {%- set start = '1900-01-01' -%}
    {%- if execute -%}
        {%- set latest_day_from = (config.get('meta') or {}).get('window_latest_day_from') -%}
        {%- set relation = this -%}
        {%- if latest_day_from -%}
            {%- set nodes = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
                | selectattr('name', 'equalto', latest_day_from) | list -%}
            {%- if nodes | length != 1 -%}
                {% do exceptions.raise_compiler_error(
                    this ~ ": meta.window_latest_day_from names no model: " ~ latest_day_from) %}
            {%- endif -%}
            {#- Before that model's first build, the table's own latest day. -#}
            {%- set relation = adapter.get_relation(nodes[0].database, nodes[0].schema, nodes[0].alias) or this -%}
        {%- endif -%}
        {%- set query -%}
            select cast({{ dbt.dateadd('day', -1 * var('lookback_days') | int, 'max(' ~ day_column ~ ')') }} as date)
            from {{ relation }}
        {%- endset -%}
        {%- set value = run_query(query).columns[0].values()[0] -%}
        {%- if value is not none -%}
            {%- set start = value | string -%}
        {%- endif -%}
    {%- endif -%}
    cast('{{ start[:10] }}' as date)
{%- endmacro %}

{#- `timestamp_column >= day_literal`, compared on the timestamp itself (not its date) so that the
    bound reaches the raw scans' min/max pruning through the views over the raw records. -#}
{% macro started_on_or_after(day_literal, timestamp_column='started_at') -%}
    {{ timestamp_column }} >= cast({{ day_literal }} as {{ dbt.type_timestamp() }})
{%- endmacro %}
