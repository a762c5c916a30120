{#- Distinct request trees (traces) with a production call, per month, feature and plan-tier cohort of
    the calls and the day of the tree's first production call in that cohort: a tree counts once in
    every month, feature and cohort its production calls fall in, as count(distinct trace_id) over the
    cohort's calls would, on one day. feature_unit_economics_monthly sums request_trees over the days:
    the distinct trees of every call no longer go through that monthly mart, which is rebuilt whole.
    Incremental by day: a run reads the production calls from the latest day loaded minus
    var('lookback_days') and replaces those days whole. A tree and cohort whose first call is in the
    window have all their calls in it, so their rows are the full refresh's. A tree and cohort with a
    call before the window were counted on that earlier day (kept) and are not counted again: only a
    tree begun before the window can have one, so those trees are the window's trees without a root
    in the window (int_trace_roots_identified, a handful: traces straddling the window's first day),
    and only their calls before the window are read. A full refresh gives the same table. -#}
{{
    config(
        materialized='incremental',
        on_schema_change='append_new_columns',
        **incremental_by_day_config(
            day_column='first_call_date', unique_key=['first_call_date', 'month', 'feature', 'plan_tier']
        )
    )
}}
{%- if is_incremental() %}
    {%- set window_start = incremental_start_date('first_call_date') %}
{%- endif %}

-- the roots are read by incremental runs only: depends_on: {{ ref('int_trace_roots_identified') }}
with

calls as (

    select * from {{ ref('fct_llm_calls') }}
    {% if is_incremental() -%}
        where call_date >= {{ window_start }}
    {%- endif %}

),

call_trees as (

    -- one row per tree and cohort (on the calls' key alone), with its first day
    select
        cast({{ dbt.date_trunc('month', 'call_date') }} as date) as month,
        feature,
        coalesce(plan_tier, '(unknown)') as plan_tier,
        trace_id,
        min(call_date) as first_call_date

    from calls
    where environment = '{{ var("unit_economics_environment") }}'
    group by
        cast({{ dbt.date_trunc('month', 'call_date') }} as date),
        feature,
        coalesce(plan_tier, '(unknown)'),
        trace_id

),
{%- if is_incremental() %}

window_root_ids as (

    select trace_id from {{ ref('int_trace_roots_identified') }}
    where trace_date >= {{ window_start }}

),

traces_started_before as (

    -- the window's trees without a root in the window: begun before it (a handful)
    select distinct call_trees.trace_id

    from call_trees
    left join window_root_ids
        on call_trees.trace_id = window_root_ids.trace_id
    where window_root_ids.trace_id is null

),

counted_before as (

    -- their cohorts with a production call before the window: counted on that day already
    select distinct
        cast({{ dbt.date_trunc('month', 'call_date') }} as date) as month,
        feature,
        coalesce(plan_tier, '(unknown)') as plan_tier,
        trace_id

    from {{ ref('fct_llm_calls') }}
    where
        call_date < {{ window_start }}
        and environment = '{{ var("unit_economics_environment") }}'
        and trace_id in (select traces_started_before.trace_id from traces_started_before)

),

new_call_trees as (

    select call_trees.*

    from call_trees
    left join counted_before
        on
            call_trees.month = counted_before.month
            and call_trees.feature = counted_before.feature
            and call_trees.plan_tier = counted_before.plan_tier
            and call_trees.trace_id = counted_before.trace_id
    where counted_before.trace_id is null

),
{%- else %}

new_call_trees as (

    select * from call_trees

),
{%- endif %}

aggregated as (

    select
        first_call_date,
        month,
        feature,
        plan_tier,
        count(trace_id) as request_trees

    from new_call_trees
    group by first_call_date, month, feature, plan_tier

),

final as (

    select
        cast(first_call_date as date) as first_call_date,
        cast(month as date) as month,
        cast(feature as {{ dbt.type_string() }}) as feature,
        cast(plan_tier as {{ dbt.type_string() }}) as plan_tier,
        cast(request_trees as {{ dbt.type_bigint() }}) as request_trees

    from aggregated

)

select * from final
