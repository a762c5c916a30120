{{
    config(
        materialized='incremental',
        on_schema_change='append_new_columns',
        **incremental_by_day_config(day_column='call_date', unique_key='call_id')
    )
}}

{#- Attributed calls with their price: the mapped genai-prices model, the rate-card row in force at
    started_at (time-of-day window, cliff tier on total input tokens), the overrides of
    seeds/price_overrides.csv, and cost_usd / list_cost_usd from the llm_call_cost macro.
    Unpriced calls are kept (is_priced = false, null costs). Incremental by day like fct_llm_calls (the
    nightly run prices only the look-back window). -#}
with

calls as (

    select * from {{ ref('int_llm_calls_attributed') }}
    {% if is_incremental() -%}
        where call_date >= {{ incremental_start_date('call_date') }}
    {%- endif %}

),

model_map as (

    select * from {{ ref('stg_genai_prices__model_map') }}

),

rate_card as (

    select * from {{ ref('stg_genai_prices__rate_card') }}

),

price_overrides as (

    select * from {{ ref('price_overrides') }}

),

mapped as (

    select
        calls.*,
        coalesce(calls.response_model, calls.model) as price_model_ref,
        calls.uncached_input_tokens
        + calls.cache_read_tokens
        + calls.cache_write_5m_tokens
        + calls.cache_write_1h_tokens as input_tokens_total,
        {{ seconds_since_midnight('calls.started_at') }} as second_of_day,
        model_map.provider_id as price_lookup_provider_id,
        model_map.price_provider_id,
        model_map.model_id as price_model_id,
        coalesce(model_map.is_matched, false) as is_model_matched

    from calls
    left join model_map
        on
            coalesce(calls.provider, '') = model_map.observed_provider
            and coalesce(calls.response_model, calls.model) = model_map.observed_model

),

rated as (

    select
        mapped.*,
        rate_card.tier_index,
        rate_card.valid_from as price_valid_from,
        rate_card.input_mtok as list_input_mtok,
        rate_card.cache_read_mtok as list_cache_read_mtok,
        rate_card.cache_write_mtok as list_cache_write_mtok,
        rate_card.cache_write_1h_mtok as list_cache_write_1h_mtok,
        rate_card.output_mtok as list_output_mtok,
        rate_card.output_reasoning_mtok as list_output_reasoning_mtok,
        rate_card.requests_kcount as list_requests_kcount,
        rate_card.model_id is not null as has_rate

    from mapped
    left join rate_card
        on
            mapped.is_model_matched
            and mapped.price_provider_id = rate_card.price_provider_id
            and mapped.price_model_id = rate_card.model_id
            and mapped.started_at >= rate_card.valid_from
            and (rate_card.valid_to is null or mapped.started_at < rate_card.valid_to)
            and mapped.second_of_day >= rate_card.tod_start_second
            and mapped.second_of_day < rate_card.tod_end_second
            and (rate_card.tier_start_tokens = 0 or mapped.input_tokens_total > rate_card.tier_start_tokens)
            and (rate_card.tier_end_tokens is null or mapped.input_tokens_total <= rate_card.tier_end_tokens)

),

overridden as (

    select
        rated.*,
        price_overrides.model_id is not null as has_price_override,
        {{ effective_price('input_mtok') }} as price_input_mtok,
        {{ effective_price('cache_read_mtok') }} as price_cache_read_mtok,
        {{ effective_price('cache_write_mtok') }} as price_cache_write_mtok,
        {{ effective_price('cache_write_1h_mtok') }} as price_cache_write_1h_mtok,
        {{ effective_price('output_mtok') }} as price_output_mtok,
        {{ effective_price('output_reasoning_mtok', overridable=false) }} as price_output_reasoning_mtok,
        {{ effective_price('requests_kcount', overridable=false) }} as price_requests_kcount

    from rated
    left join price_overrides
        on
            rated.has_rate
            and rated.price_lookup_provider_id = price_overrides.provider_id
            and rated.price_model_id = price_overrides.model_id
            and rated.started_at >= cast(price_overrides.valid_from as {{ dbt.type_timestamp() }})
            and (
                price_overrides.valid_to is null
                or rated.started_at < cast(price_overrides.valid_to as {{ dbt.type_timestamp() }})
            )

),

final as (

    select
        call_id,
        trace_id,
        parent_call_id,
        root_id,
        source,
        source_file,
        source_row,
        source_record_count,
        has_conflicting_records,
        started_at,
        ended_at,
        call_date,
        latency_ms,
        environment,
        provider as provider_observed,
        coalesce(price_lookup_provider_id, lower(provider)) as provider,
        model,
        response_model,
        operation,
        price_model_ref,
        price_model_id,
        price_provider_id,
        feature,
        feature_observed,
        is_feature_inherited,
        tenant_id,
        tenant_id_observed,
        is_tenant_inherited,
        user_id,
        session_id,
        plan_tier,
        plan_tier_source,
        attempt,
        status,
        input_includes_cache,
        reported_input_tokens,
        uncached_input_tokens,
        cache_read_tokens,
        cache_write_5m_tokens,
        cache_write_1h_tokens,
        output_tokens,
        reasoning_tokens,
        input_tokens_total,
        tier_index,
        price_valid_from,
        has_price_override,
        price_input_mtok,
        price_cache_read_mtok,
        price_cache_write_mtok,
        price_cache_write_1h_mtok,
        price_output_mtok,
        price_output_reasoning_mtok,
        price_requests_kcount,
        has_rate as is_priced,
        case
            when not is_model_matched then 'model_unmatched'
            when not has_rate then 'no_price_in_force'
        end as unpriced_reason,
        case when has_rate then {{ llm_call_cost(price_prefix='price_') }} end as cost_usd,
        case when has_rate then {{ llm_call_cost(price_prefix='price_', cache_blind=true) }} end as list_cost_usd,
        gateway_spend_usd

    from overridden

)

select * from final
