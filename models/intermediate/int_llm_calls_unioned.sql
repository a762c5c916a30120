{{ config(materialized='view') }}

{#- Every call record of every source in one shape, tokens normalized once to the canonical
    exclusive columns with seeds/token_conventions.csv (an exact provider row beats the source's '*'
    row). No deduplication here: one row per source record. -#}
{%- set call_columns = [
    'call_id', 'trace_id', 'parent_call_id', 'source', 'source_file', 'source_row', 'loaded_at',
    'started_at', 'ended_at', 'latency_ms', 'environment', 'provider', 'model', 'response_model',
    'operation', 'feature', 'tenant_id', 'user_id', 'session_id', 'plan_tier', 'attempt', 'status',
    'input_tokens', 'cache_read_tokens', 'cache_write_tokens', 'cache_write_1h_tokens', 'output_tokens',
    'reasoning_tokens', 'gateway_spend_usd',
] -%}

with

otlp_calls as (

    select * from {{ ref('stg_otel__llm_spans') }}

),

litellm_calls as (

    select * from {{ ref('stg_litellm__spend_logs') }}

),

canonical_calls as (

    select * from {{ ref('stg_canonical__llm_calls') }}

),

token_conventions as (

    select * from {{ ref('token_conventions') }}

),

unioned as (

    {{ union_all_columns(['otlp_calls', 'litellm_calls', 'canonical_calls'], call_columns) }}

),

with_convention as (

    select
        unioned.*,
        coalesce(
            provider_convention.input_includes_cache,
            source_convention.input_includes_cache
        ) as input_includes_cache

    from unioned
    left join token_conventions as provider_convention
        on
            unioned.source = provider_convention.source
            and lower(unioned.provider) = lower(provider_convention.provider)
            and provider_convention.provider != '*'
    left join token_conventions as source_convention
        on
            unioned.source = source_convention.source
            and source_convention.provider = '*'

),

final as (

    select
        call_id,
        trace_id,
        parent_call_id,
        source,
        source_file,
        source_row,
        loaded_at,
        started_at,
        ended_at,
        latency_ms,
        environment,
        provider,
        model,
        response_model,
        operation,
        feature,
        tenant_id,
        user_id,
        session_id,
        plan_tier,
        attempt,
        status,
        input_includes_cache,
        input_tokens as reported_input_tokens,
        case
            when input_includes_cache then input_tokens - cache_read_tokens - cache_write_tokens
            when not input_includes_cache then input_tokens
        end as uncached_input_tokens,
        cache_read_tokens,
        cache_write_tokens - cache_write_1h_tokens as cache_write_5m_tokens,
        cache_write_1h_tokens,
        output_tokens,
        reasoning_tokens,
        gateway_spend_usd

    from with_convention

)

select * from final
