with

source as (

    select * from {{ source('canonical', 'canonical_llm_calls') }}

),

final as (

    select
        call_id,
        coalesce(nullif({{ trim_if_padded('trace_id') }}, ''), call_id) as trace_id,
        nullif({{ trim_if_padded('parent_call_id') }}, '') as parent_call_id,
        'canonical' as source,
        _source_file as source_file,
        _source_row as source_row,
        _loaded_at as loaded_at,
        started_at,
        {{ dbt.dateadd('millisecond', 'coalesce(latency_ms, 0)', 'started_at') }} as ended_at,
        latency_ms,
        lower(nullif({{ trim_if_padded('environment') }}, '')) as environment,
        nullif({{ trim_if_padded('provider') }}, '') as provider,
        nullif({{ trim_if_padded('model') }}, '') as model,
        nullif({{ trim_if_padded('response_model') }}, '') as response_model,
        nullif({{ trim_if_padded('operation') }}, '') as operation,
        lower(nullif({{ trim_if_padded('feature') }}, '')) as feature,
        nullif({{ trim_if_padded('tenant_id') }}, '') as tenant_id,
        nullif({{ trim_if_padded('user_id') }}, '') as user_id,
        nullif({{ trim_if_padded('session_id') }}, '') as session_id,
        lower(nullif({{ trim_if_padded('plan_tier') }}, '')) as plan_tier,
        coalesce(attempt, 0) as attempt,
        case
            when lower(trim(status)) in ('error', 'failure', 'failed') then 'error'
            else 'ok'
        end as status,
        coalesce(input_tokens, 0) as input_tokens,
        coalesce(cache_read_tokens, 0) as cache_read_tokens,
        coalesce(cache_write_tokens, 0) as cache_write_tokens,
        coalesce(cache_write_1h_tokens, 0) as cache_write_1h_tokens,
        coalesce(output_tokens, 0) as output_tokens,
        coalesce(reasoning_tokens, 0) as reasoning_tokens,
        cast(null as {{ money_type() }}) as gateway_spend_usd

    from source

)

select * from final
