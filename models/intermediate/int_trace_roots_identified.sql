{#- One row per trace: its root record and the root's tags, resolved as far as a root can be
    (feature through the aliases, plan tier from the tenant's subscription in force at the root's
    start, the tag only as fallback). The records of a trace are its LLM calls and, for OTLP, its
    other spans. The root is the record without a parent (the earliest, then the lowest id, when
    several lack one); when every record has a parent (the root was not captured), the earliest.
    -#}
with

calls as (

    select * from {{ ref('int_llm_calls_deduplicated') }}

),

spans as (

    select * from {{ ref('stg_otel__spans') }}

),

feature_aliases as (

    select * from {{ ref('feature_aliases') }}

),

subscriptions as (

    select * from {{ ref('int_subscriptions_resolved') }}

),

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

repeated_traces as (

    select trace_id

    from trace_records
    group by trace_id
    having count(*) > 1

),

single_record_roots as (

    -- a trace with one record (most of them): that record is the root and the trace's extent

    select
        trace_records.*,
        1 as root_rank,
        trace_records.started_at as trace_started_at,
        trace_records.ended_at as trace_ended_at,
        cast(1 as {{ dbt.type_bigint() }}) as trace_record_count

    from trace_records
    left join repeated_traces
        on trace_records.trace_id = repeated_traces.trace_id
    where repeated_traces.trace_id is null

),

ranked as (

    -- only the traces with several records are sorted (sorting every record was this model's cost)

    select
        trace_records.*,
        row_number() over (
            partition by trace_records.trace_id
            order by
                case when trace_records.parent_id is null then 0 else 1 end,
                trace_records.started_at,
                trace_records.record_id
        ) as root_rank,
        min(trace_records.started_at) over (partition by trace_records.trace_id) as trace_started_at,
        max(trace_records.ended_at) over (partition by trace_records.trace_id) as trace_ended_at,
        count(*) over (partition by trace_records.trace_id) as trace_record_count

    from trace_records
    inner join repeated_traces
        on trace_records.trace_id = repeated_traces.trace_id

),

roots as (

    select * from single_record_roots

    union all

    select * from ranked
    where root_rank = 1

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
