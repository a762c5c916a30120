{{ config(materialized='view') }}

{#- Priced calls with their attribution resolved: feature, tenant, user and session from the call,
    else inherited from the trace's root; features through seeds/feature_aliases.csv; '(untagged)'
    for a missing feature or tenant; plan tier from the tenant's subscription in force on the call's
    day, the tags only as fallback. The prices pass through untouched (pricing does not depend on
    attribution). A view, read by fct_llm_calls: its call_date filter reaches the calls under both
    views. -#}
with

calls as (

    select * from {{ ref('int_llm_calls_priced') }}

),

trace_roots as (

    select * from {{ ref('int_trace_roots_identified') }}

),

feature_aliases as (

    select * from {{ ref('feature_aliases') }}

),

subscriptions as (

    select * from {{ ref('int_subscriptions_resolved') }}

),

inherited as (

    select
        calls.*,
        calls.feature as feature_observed,
        calls.tenant_id as tenant_id_observed,
        coalesce(feature_aliases.feature_id, calls.feature, trace_roots.root_feature) as resolved_feature,
        coalesce(calls.tenant_id, trace_roots.root_tenant_id) as resolved_tenant_id,
        coalesce(calls.user_id, trace_roots.root_user_id) as resolved_user_id,
        coalesce(calls.session_id, trace_roots.root_session_id) as resolved_session_id,
        coalesce(calls.environment, trace_roots.root_environment) as resolved_environment,
        coalesce(calls.plan_tier, trace_roots.root_plan_tier_tag) as plan_tier_tag,
        trace_roots.root_id,
        calls.feature is null and trace_roots.root_feature is not null as is_feature_inherited,
        calls.tenant_id is null and trace_roots.root_tenant_id is not null as is_tenant_inherited

    from calls
    left join trace_roots
        on calls.trace_id = trace_roots.trace_id
    left join feature_aliases
        on calls.feature = feature_aliases.alias

),

final as (

    select
        inherited.call_id,
        inherited.trace_id,
        inherited.parent_call_id,
        inherited.root_id,
        inherited.source,
        inherited.source_file,
        inherited.source_row,
        inherited.source_record_count,
        inherited.has_conflicting_records,
        inherited.started_at,
        inherited.ended_at,
        inherited.call_date,
        inherited.latency_ms,
        inherited.resolved_environment as environment,
        inherited.provider_observed,
        inherited.provider,
        inherited.model,
        inherited.response_model,
        inherited.operation,
        inherited.price_model_ref,
        inherited.price_model_id,
        inherited.price_provider_id,
        coalesce(inherited.resolved_feature, '(untagged)') as feature,
        inherited.feature_observed,
        inherited.is_feature_inherited,
        coalesce(inherited.resolved_tenant_id, '(untagged)') as tenant_id,
        inherited.tenant_id_observed,
        inherited.is_tenant_inherited,
        inherited.resolved_user_id as user_id,
        inherited.resolved_session_id as session_id,
        coalesce(subscriptions.plan_tier, inherited.plan_tier_tag) as plan_tier,
        case
            when subscriptions.plan_tier is not null then 'subscription'
            when inherited.plan_tier_tag is not null then 'tag'
        end as plan_tier_source,
        inherited.attempt,
        inherited.status,
        inherited.input_includes_cache,
        inherited.reported_input_tokens,
        inherited.uncached_input_tokens,
        inherited.cache_read_tokens,
        inherited.cache_write_5m_tokens,
        inherited.cache_write_1h_tokens,
        inherited.output_tokens,
        inherited.reasoning_tokens,
        inherited.input_tokens_total,
        inherited.tier_index,
        inherited.price_valid_from,
        inherited.has_price_override,
        inherited.price_input_mtok,
        inherited.price_cache_read_mtok,
        inherited.price_cache_write_mtok,
        inherited.price_cache_write_1h_mtok,
        inherited.price_output_mtok,
        inherited.price_output_reasoning_mtok,
        inherited.price_requests_kcount,
        inherited.is_priced,
        inherited.unpriced_reason,
        inherited.cost_usd,
        inherited.list_cost_usd,
        inherited.gateway_spend_usd

    from inherited
    left join subscriptions
        on
            inherited.resolved_tenant_id = subscriptions.tenant_id
            and inherited.call_date >= subscriptions.valid_from
            and (
                subscriptions.effective_valid_to is null
                or inherited.call_date < subscriptions.effective_valid_to
            )

)

select * from final
