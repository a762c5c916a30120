with

source as (

    select * from {{ source('otel', 'otlp_llm_spans') }}

),

final as (

    select
        span_id as call_id,
        trace_id,
        parent_span_id as parent_call_id,
        'otlp' as source,
        _source_file as source_file,
        _source_row as source_row,
        _loaded_at as loaded_at,
        started_at,
        ended_at,
        {{ dbt.datediff('started_at', 'ended_at', 'millisecond') }}
            as latency_ms,
        lower(nullif(trim(environment), '')) as environment,
        nullif(trim(provider), '') as provider,
        nullif(trim(request_model), '') as model,
        nullif(trim(response_model), '') as response_model,
        nullif(trim(operation), '') as operation,
        lower(nullif(trim(feature), '')) as feature,
        nullif(trim(tenant_id), '') as tenant_id,
        nullif(trim(user_id), '') as user_id,
        nullif(trim(session_id), '') as session_id,
        lower(nullif(trim(plan_tier), '')) as plan_tier,
        coalesce(attempt, 0) as attempt,
        case when status_code = 2 then 'error' else 'ok' end as status,
        coalesce(input_tokens, 0) as input_tokens,
        coalesce(cache_read_tokens, 0) as cache_read_tokens,
        coalesce(cache_write_tokens, 0) as cache_write_tokens,
        coalesce(cache_write_1h_tokens, 0) as cache_write_1h_tokens,
        coalesce(output_tokens, 0) as output_tokens,
        coalesce(reasoning_tokens, 0) as reasoning_tokens,
        cast(null as {{ money_type() }}) as gateway_spend_usd,
        span_name,
        service_name

    from source

)

select * from final
