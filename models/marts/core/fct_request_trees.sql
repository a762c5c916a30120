{{
    config(
        materialized='incremental',
        on_schema_change='append_new_columns',
        **incremental_by_day_config(day_column='trace_date', unique_key='trace_id')
    )
}}

{#- One row per trace (user action) with at least one LLM call: the root's attribution, the tree's
    span in time, its calls, retries and failures, its tokens and its cost, retries and failed calls
    included. sum(cost_usd) here equals sum(cost_usd) of fct_llm_calls exactly.
    Incremental by day on trace_date, the day the trace started (that of int_trace_roots_identified):
    a run aggregates the calls from the latest day loaded minus var('lookback_days') by trace, joins
    the roots of that window and replaces those days whole. A trace whose day is in the window has all
    its calls in it (none starts before the trace), so its row is the full refresh's. A trace that
    straddles the window's first day (started the day before, calls after midnight) has a root before
    the window: its row is already in the table with every call, and the window's calls of it are not
    counted again, so each call is still in exactly one tree. Only a call arriving later than the
    look-back for a trace begun before the window is not merged into its tree: the build then fails
    (the conservation test, tree cost = call cost, or the unique test on trace_id). A full refresh
    gives the same table. -#}
{%- if is_incremental() %}
    {%- set window_start = incremental_start_date('trace_date') %}
{%- endif %}
with

calls as (

    select * from {{ ref('fct_llm_calls') }}
    {% if is_incremental() -%}
        where call_date >= {{ window_start }}
    {%- endif %}

),

trace_roots as (

    select * from {{ ref('int_trace_roots_identified') }}
    {% if is_incremental() -%}
        where trace_date >= {{ window_start }}
    {%- endif %}

),
{%- if is_incremental() %}

traces_started_before as (

    -- traces begun before the window that may straddle its first day (one record cannot): their
    -- tree is already in the table, whole
    select trace_id from {{ ref('int_trace_roots_identified') }}
    where trace_date < {{ window_start }} and trace_record_count > 1

),
{%- endif %}

aggregated as (

    select
        trace_id,
        min(environment) as min_call_environment,
        count(*) as calls,
        sum(case when attempt > 0 then 1 else 0 end) as retries,
        sum(case when status = 'error' then 1 else 0 end) as failed_calls,
        sum(case when is_priced then 0 else 1 end) as unpriced_calls,
        sum(uncached_input_tokens) as uncached_input_tokens,
        sum(cache_read_tokens) as cache_read_tokens,
        sum(cache_write_5m_tokens) as cache_write_5m_tokens,
        sum(cache_write_1h_tokens) as cache_write_1h_tokens,
        sum(output_tokens) as output_tokens,
        sum(reasoning_tokens) as reasoning_tokens,
        sum(cost_usd) as cost_usd,
        sum(list_cost_usd) as list_cost_usd

    from calls
    group by trace_id

),

joined as (

    select
        cast(aggregated.trace_id as {{ dbt.type_string() }}) as trace_id,
        cast(trace_roots.root_id as {{ dbt.type_string() }}) as root_id,
        cast(trace_roots.root_record_type as {{ dbt.type_string() }}) as root_record_type,
        cast(coalesce(trace_roots.root_feature, '(untagged)') as {{ dbt.type_string() }}) as feature,
        cast(coalesce(trace_roots.root_tenant_id, '(untagged)') as {{ dbt.type_string() }}) as tenant_id,
        cast(trace_roots.root_user_id as {{ dbt.type_string() }}) as user_id,
        cast(trace_roots.root_session_id as {{ dbt.type_string() }}) as session_id,
        cast(trace_roots.root_plan_tier as {{ dbt.type_string() }}) as plan_tier,
        cast(
            coalesce(trace_roots.root_environment, aggregated.min_call_environment) as {{ dbt.type_string() }}
        ) as environment,
        -- the trace's extent over all its records, its calls included (the roots read every record of a
        -- trace whose day is in the window), so no per-call min and max here
        cast(trace_roots.trace_started_at as {{ dbt.type_timestamp() }}) as started_at,
        cast(trace_roots.trace_ended_at as {{ dbt.type_timestamp() }}) as ended_at,
        cast(aggregated.calls as {{ dbt.type_bigint() }}) as calls,
        cast(aggregated.retries as {{ dbt.type_bigint() }}) as retries,
        cast(aggregated.failed_calls as {{ dbt.type_bigint() }}) as failed_calls,
        cast(aggregated.unpriced_calls as {{ dbt.type_bigint() }}) as unpriced_calls,
        cast(aggregated.uncached_input_tokens as {{ dbt.type_bigint() }}) as uncached_input_tokens,
        cast(aggregated.cache_read_tokens as {{ dbt.type_bigint() }}) as cache_read_tokens,
        cast(aggregated.cache_write_5m_tokens as {{ dbt.type_bigint() }}) as cache_write_5m_tokens,
        cast(aggregated.cache_write_1h_tokens as {{ dbt.type_bigint() }}) as cache_write_1h_tokens,
        cast(aggregated.output_tokens as {{ dbt.type_bigint() }}) as output_tokens,
        cast(aggregated.reasoning_tokens as {{ dbt.type_bigint() }}) as reasoning_tokens,
        cast(aggregated.cost_usd as {{ money_type() }}) as cost_usd,
        cast(aggregated.list_cost_usd as {{ money_type() }}) as list_cost_usd

    from aggregated
    left join trace_roots
        on aggregated.trace_id = trace_roots.trace_id
    {%- if is_incremental() %}
    left join traces_started_before
        on aggregated.trace_id = traces_started_before.trace_id
    where traces_started_before.trace_id is null
    {%- endif %}

),

final as (

    select
        *,
        cast(started_at as date) as trace_date,
        {{ dbt.datediff('started_at', 'ended_at', 'millisecond') }}
            as duration_ms

    from joined

)

select * from final
