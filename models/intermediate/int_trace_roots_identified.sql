{{
    config(
        materialized='incremental',
        on_schema_change='append_new_columns',
        **incremental_by_day_config(day_column='trace_date', unique_key='trace_id')
    )
}}

{#- One row per trace: its root record and the root's tags, resolved as far as a root can be
    (feature through the aliases, plan tier from the tenant's subscription in force at the root's
    start, the tag only as fallback). The records of a trace are its LLM calls and, for OTLP, its
    other spans. The root is the record without a parent (the earliest, then the lowest id, when
    several lack one); when every record has a parent (the root was not captured), the earliest.
    Incremental by day like the calls: the day is trace_date, the day of the trace's earliest record
    (not the root's: a record can start before its root, and only the earliest record's day makes
    "the trace's day is in the window" mean "every record of the trace is in the window"). A run reads
    the calls and spans from the latest day loaded minus var('lookback_days') and replaces those days
    whole, so each trace of the window is resolved from all its records, as in a full refresh. A trace
    that straddles the window's first day (it started the day before, a call after midnight) has a
    row already, computed when its first day was in the window: that row is kept and the window's
    partial view of the trace is dropped. Only a record arriving later than the look-back for a trace
    begun before the window is missed: the trace gets a second row (unique test) when its row had one
    record, else its row stays as it was (for a call, fct_request_trees' conservation test fails).
    A full refresh gives the same table.
    Speed: the wide records are read once and streamed through one hash join against the roots of
    the traces with several records, which are ranked on their keys alone; the repeated trace ids
    come from the key alone, in a separate narrow read (a wide CTE read by several steps is
    materialized whole by DuckDB). -#}
{#- The window bound of an incremental run, for the calls and the spans (each read three times). -#}
{%- set in_window = '' %}
{%- if is_incremental() %}
    {%- set window_start = incremental_start_date('trace_date') | trim %}
    {%- set in_window = 'where ' ~ started_on_or_after(window_start) %}
{%- endif %}
with

calls as (

    select * from {{ ref('int_llm_calls_deduplicated') }}
    {{ in_window }}

),

spans as (

    select * from {{ ref('stg_otel__spans') }}
    {{ in_window }}

),

call_keys as (

    select
        trace_id,
        call_id,
        parent_call_id,
        started_at,
        ended_at

    from {{ ref('int_llm_calls_deduplicated') }}
    {{ in_window }}

),

span_keys as (

    select
        trace_id,
        span_id,
        parent_span_id,
        started_at,
        ended_at

    from {{ ref('stg_otel__spans') }}
    {{ in_window }}

),

call_trace_ids as (

    select trace_id from {{ ref('int_llm_calls_deduplicated') }}
    {{ in_window }}

),

span_trace_ids as (

    select trace_id from {{ ref('stg_otel__spans') }}
    {{ in_window }}

),

feature_aliases as (

    select * from {{ ref('feature_aliases') }}

),

subscriptions as (

    select * from {{ ref('int_subscriptions_resolved') }}

),
{%- if is_incremental() %}

traces_started_before as (

    -- traces whose row is already in a day before the window and that may straddle its first day
    -- (a trace of one record cannot: fewer keys to match)
    select trace_id from {{ this }}
    where trace_date < {{ window_start }} and trace_record_count > 1

),
{%- endif %}

trace_records as (

    select
        trace_id,
        call_id as record_id,
        parent_call_id as parent_id,
        'llm_call' as record_type,
        started_at,
        ended_at,
        environment,
        feature,
        tenant_id,
        user_id,
        session_id,
        plan_tier

    from calls

    union all

    select
        trace_id,
        span_id as record_id,
        parent_span_id as parent_id,
        'span' as record_type,
        started_at,
        ended_at,
        environment,
        feature,
        tenant_id,
        user_id,
        session_id,
        plan_tier

    from spans

),

record_trace_ids as (

    select trace_id from call_trace_ids

    union all

    select trace_id from span_trace_ids

),

record_keys as (

    select
        trace_id,
        call_id as record_id,
        parent_call_id as parent_id,
        'llm_call' as record_type,
        started_at,
        ended_at

    from call_keys

    union all

    select
        trace_id,
        span_id as record_id,
        parent_span_id as parent_id,
        'span' as record_type,
        started_at,
        ended_at

    from span_keys

),

repeated_traces as (

    select trace_id

    from record_trace_ids
    group by trace_id
    having count(*) > 1

),

repeated_trace_keys as (

    -- only the traces with several records are ranked, on their keys alone (sorting every wide
    -- record was this model's cost), by an aggregate rather than a window: the least root key is
    -- the first record parentless first, then earliest, lowest id, record type
    select
        record_keys.trace_id,
        min(
            {{ named_struct([
                ['parent_rank', 'case when record_keys.parent_id is null then 0 else 1 end'],
                ['started_at', 'record_keys.started_at'],
                ['record_id', 'record_keys.record_id'],
                ['record_type', 'record_keys.record_type'],
            ]) }}
        ) as root_key,
        min(record_keys.started_at) as trace_started_at,
        max(record_keys.ended_at) as trace_ended_at,
        count(*) as trace_record_count

    from record_keys
    inner join repeated_traces
        on record_keys.trace_id = repeated_traces.trace_id
    group by record_keys.trace_id

),

repeated_trace_roots as (

    select
        repeated_trace_keys.trace_id,
        repeated_trace_keys.root_key.record_id,
        repeated_trace_keys.root_key.record_type,
        repeated_trace_keys.trace_started_at,
        repeated_trace_keys.trace_ended_at,
        repeated_trace_keys.trace_record_count

    from repeated_trace_keys

),

all_roots as (

    -- a trace with one record (most of them): that record is the root and the trace's extent; of a
    -- trace with several, only its root passes
    select
        trace_records.*,
        coalesce(repeated_trace_roots.trace_started_at, trace_records.started_at) as trace_started_at,
        coalesce(repeated_trace_roots.trace_ended_at, trace_records.ended_at) as trace_ended_at,
        coalesce(
            repeated_trace_roots.trace_record_count, cast(1 as {{ dbt.type_bigint() }})
        ) as trace_record_count

    from trace_records
    left join repeated_trace_roots
        on trace_records.trace_id = repeated_trace_roots.trace_id
    where
        repeated_trace_roots.trace_id is null
        or (
            trace_records.record_type = repeated_trace_roots.record_type
            and trace_records.record_id is not distinct from repeated_trace_roots.record_id
        )

),

roots as (

    select all_roots.*

    from all_roots
    {%- if is_incremental() %}
    left join traces_started_before
        on all_roots.trace_id = traces_started_before.trace_id
    where traces_started_before.trace_id is null
    {%- endif %}

),

final as (

    select
        roots.trace_id,
        roots.record_id as root_id,
        roots.record_type as root_record_type,
        roots.parent_id is null as is_root_captured,
        roots.started_at as root_started_at,
        roots.trace_started_at,
        roots.trace_ended_at,
        cast(roots.trace_started_at as date) as trace_date,
        roots.trace_record_count,
        roots.environment as root_environment,
        roots.feature as root_feature_observed,
        coalesce(feature_aliases.feature_id, roots.feature) as root_feature,
        roots.tenant_id as root_tenant_id,
        roots.user_id as root_user_id,
        roots.session_id as root_session_id,
        roots.plan_tier as root_plan_tier_tag,
        coalesce(subscriptions.plan_tier, roots.plan_tier) as root_plan_tier,
        case
            when subscriptions.plan_tier is not null then 'subscription'
            when roots.plan_tier is not null then 'tag'
        end as root_plan_tier_source

    from roots
    left join feature_aliases
        on roots.feature = feature_aliases.alias
    left join subscriptions
        on
            roots.tenant_id = subscriptions.tenant_id
            and subscriptions.valid_from <= cast(roots.started_at as date)
            and (
                subscriptions.effective_valid_to is null
                or cast(roots.started_at as date) < subscriptions.effective_valid_to
            )

)

select * from final
