{{
    config(
        materialized='incremental',
        on_schema_change='append_new_columns',
        **incremental_by_day_config(day_column='call_date', unique_key='call_id')
    )
}}

{#- One row per deduplicated LLM call, priced and attributed. Incremental by day: a run reprocesses
    every call_date from the latest day already loaded minus var('lookback_days') (late files), and
    replaces those days whole; a full refresh gives the same table. The only table the priced calls
    are written to: int_llm_calls_priced is a view, priced here for the selected days only (the
    started_at filter reaches the raw records under it); the applied unit prices are kept for the metered
    reconciliation.
    Attribution: feature, tenant, user, session, environment and plan tier tag come from the call,
    else are inherited from its trace's root (int_trace_roots_identified); features through
    seeds/feature_aliases.csv; '(untagged)' for a missing feature or tenant; plan tier from the
    tenant's subscription in force on the call's day, the tags only as fallback. The prices pass
    through untouched (pricing does not depend on attribution).
    Speed: only a call missing one of those tags reads its root, so the roots joined are those of
    the traces of such calls (found from a narrow read of the deduplicated calls), not every root: the
    wide calls stream through a hash join against a small table. On an incremental run the roots of
    the window (trace_date from its start) are read with that bound (row groups pruned); a call of the
    window whose trace began before it (it straddles the window's first day) finds its root among the
    older ones, looked up for those few traces alone. -#}
{%- set in_window = '' %}
{%- if is_incremental() %}
    {%- set window_start = incremental_start_date('call_date') | trim %}
    {%- set in_window = 'where ' ~ started_on_or_after(window_start) %}
{%- endif %}
with

calls as (

    select * from {{ ref('int_llm_calls_priced') }}
    {{ in_window }}

),

call_tags as (

    -- narrow: what decides whether a call inherits from its root
    select
        trace_id,
        feature,
        tenant_id,
        user_id,
        session_id,
        environment,
        plan_tier

    from {{ ref('int_llm_calls_deduplicated') }}
    {{ in_window }}

),

inheriting_traces as (

    -- the traces of the calls that inherit a tag from the root: the only roots read
    select distinct trace_id

    from call_tags
    where
        feature is null
        or tenant_id is null
        or user_id is null
        or session_id is null
        or environment is null
        or plan_tier is null

),
{%- if is_incremental() %}

window_root_ids as (

    select trace_id from {{ ref('int_trace_roots_identified') }}
    where trace_date >= {{ window_start }}

),

traces_started_before as (

    -- inheriting traces without a root in the window: they began before it (a handful)
    select inheriting_traces.trace_id

    from inheriting_traces
    left join window_root_ids
        on inheriting_traces.trace_id = window_root_ids.trace_id
    where window_root_ids.trace_id is null

),

trace_roots as (

    select * from {{ ref('int_trace_roots_identified') }}
    where
        trace_date >= {{ window_start }}
        and trace_id in (select inheriting_traces.trace_id from inheriting_traces)

    union all

    select * from {{ ref('int_trace_roots_identified') }}
    where
        trace_date < {{ window_start }}
        and trace_id in (select traces_started_before.trace_id from traces_started_before)

),
{%- else %}

trace_roots as (

    select * from {{ ref('int_trace_roots_identified') }}
    where trace_id in (select inheriting_traces.trace_id from inheriting_traces)

),
{%- endif %}

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

attributed as (

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
        inherited.loaded_at,
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

),

final as (

    select
        cast(call_id as {{ dbt.type_string() }}) as call_id,
        cast(trace_id as {{ dbt.type_string() }}) as trace_id,
        cast(parent_call_id as {{ dbt.type_string() }}) as parent_call_id,
        cast(started_at as {{ dbt.type_timestamp() }}) as started_at,
        cast(call_date as date) as call_date,
        cast(environment as {{ dbt.type_string() }}) as environment,
        cast(provider as {{ dbt.type_string() }}) as provider,
        cast(model as {{ dbt.type_string() }}) as model,
        cast(response_model as {{ dbt.type_string() }}) as response_model,
        cast(price_model_id as {{ dbt.type_string() }}) as price_model_id,
        cast(feature as {{ dbt.type_string() }}) as feature,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(plan_tier as {{ dbt.type_string() }}) as plan_tier,
        cast(session_id as {{ dbt.type_string() }}) as session_id,
        cast(attempt as {{ dbt.type_int() }}) as attempt,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(uncached_input_tokens as {{ dbt.type_bigint() }}) as uncached_input_tokens,
        cast(cache_read_tokens as {{ dbt.type_bigint() }}) as cache_read_tokens,
        cast(cache_write_5m_tokens as {{ dbt.type_bigint() }}) as cache_write_5m_tokens,
        cast(cache_write_1h_tokens as {{ dbt.type_bigint() }}) as cache_write_1h_tokens,
        cast(output_tokens as {{ dbt.type_bigint() }}) as output_tokens,
        cast(reasoning_tokens as {{ dbt.type_bigint() }}) as reasoning_tokens,
        cast(cost_usd as {{ money_type() }}) as cost_usd,
        cast(list_cost_usd as {{ money_type() }}) as list_cost_usd,
        cast(is_priced as {{ dbt.type_boolean() }}) as is_priced,
        cast(latency_ms as {{ dbt.type_bigint() }}) as latency_ms,
        cast(ended_at as {{ dbt.type_timestamp() }}) as ended_at,
        cast(source as {{ dbt.type_string() }}) as source,
        cast(source_record_count as {{ dbt.type_int() }}) as source_record_count,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        cast(provider_observed as {{ dbt.type_string() }}) as provider_observed,
        cast(price_model_ref as {{ dbt.type_string() }}) as price_model_ref,
        cast(price_provider_id as {{ dbt.type_string() }}) as price_provider_id,
        cast(feature_observed as {{ dbt.type_string() }}) as feature_observed,
        cast(is_feature_inherited as {{ dbt.type_boolean() }}) as is_feature_inherited,
        cast(is_tenant_inherited as {{ dbt.type_boolean() }}) as is_tenant_inherited,
        cast(plan_tier_source as {{ dbt.type_string() }}) as plan_tier_source,
        cast(input_tokens_total as {{ dbt.type_bigint() }}) as input_tokens_total,
        cast(tier_index as {{ dbt.type_int() }}) as tier_index,
        cast(price_valid_from as {{ dbt.type_timestamp() }}) as price_valid_from,
        cast(has_price_override as {{ dbt.type_boolean() }}) as has_price_override,
        cast(price_input_mtok as {{ price_type() }}) as price_input_mtok,
        cast(price_cache_read_mtok as {{ price_type() }}) as price_cache_read_mtok,
        cast(price_cache_write_mtok as {{ price_type() }}) as price_cache_write_mtok,
        cast(price_cache_write_1h_mtok as {{ price_type() }}) as price_cache_write_1h_mtok,
        cast(price_output_mtok as {{ price_type() }}) as price_output_mtok,
        cast(price_output_reasoning_mtok as {{ price_type() }}) as price_output_reasoning_mtok,
        cast(price_requests_kcount as {{ price_type() }}) as price_requests_kcount,
        cast(unpriced_reason as {{ dbt.type_string() }}) as unpriced_reason,
        cast(gateway_spend_usd as {{ money_type() }}) as gateway_spend_usd

    from attributed

)

select * from final
