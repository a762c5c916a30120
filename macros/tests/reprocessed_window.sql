{#- Data tests scoped to the days a nightly run reprocessed (dbt's documented `where` mechanism:
    an override of get_where_subquery that resolves a placeholder).

    var('data_test_scope') is 'all' (default: full builds, CI, the first run) or 'window' (the nightly
    run on a warehouse that already held the incremental tables). In 'window' the reprocessed window
    starts where the incremental models started: var('previous_latest_day') (the earliest of the
    incremental tables' latest days before the run, read by orchestration/dbt_test_window.py) minus
    var('lookback_days'), the formula of incremental_start_date. -#}

{% macro reprocessed_window_start() -%}
    {%- set scope = var('data_test_scope', 'all') -%}
    {%- if scope == 'all' -%}
        {{ return(none) }}
    {%- elif scope != 'window' -%}
        {{ exceptions.raise_compiler_error("var data_test_scope must be 'all' or 'window', got '" ~ scope ~ "'") }}
    {%- endif -%}
    {%- set latest = var('previous_latest_day', '') | string -%}
    {%- if not latest -%}
        {{ exceptions.raise_compiler_error("data_test_scope=window needs var previous_latest_day") }}
    {%- endif -%}
    {#- Computed here, so the engine filters by a constant (pushed down to the scans, as in the models). -#}
    {%- set start = modules.datetime.date.fromisoformat(latest[:10])
        - modules.datetime.timedelta(days=var('lookback_days') | int) -%}
    {{ return("cast('" ~ start.isoformat() ~ "' as date)") }}
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
    {%- set start = reprocessed_window_start() -%}
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
