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
    are written to: int_llm_calls_priced and int_llm_calls_attributed (which reads it) are views,
    priced and attributed here for the selected days only (the call_date filter reaches the calls
    under both views); the applied unit prices are kept for the metered reconciliation. -#}

with

calls as (

    select * from {{ ref('int_llm_calls_attributed') }}

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

    from calls

    {% if is_incremental() -%}
        where call_date >= {{ incremental_start_date('call_date') }}
    {%- endif %}

)

select * from final
