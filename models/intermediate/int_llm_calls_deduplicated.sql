{#- One row per call_id. The same call can arrive from two sources (an OTLP span and the LiteLLM log
    of the same request, or a canonical export): the record kept is chosen deterministically (OTLP,
    then canonical, then LiteLLM — the richest record first — then file and row), LiteLLM's spend is
    kept from whichever record carries it, and the number of records and whether they disagree on
    the usage (tokens by type, cache writes as one figure since LiteLLM cannot split them by
    lifetime, and the model) are kept for data quality. -#}
with

calls as (

    select * from {{ ref('int_llm_calls_unioned') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by call_id
            order by
                case source when 'otlp' then 1 when 'canonical' then 2 else 3 end,
                source_file,
                source_row
        ) as record_rank

    from calls

),

per_call as (

    select
        call_id,
        count(*) as source_record_count,
        max(gateway_spend_usd) as gateway_spend_usd,
        coalesce((
            min(uncached_input_tokens) != max(uncached_input_tokens)
            or min(cache_read_tokens) != max(cache_read_tokens)
            or min(cache_write_5m_tokens + cache_write_1h_tokens) != max(cache_write_5m_tokens + cache_write_1h_tokens)
            or min(output_tokens) != max(output_tokens)
            or min(reasoning_tokens) != max(reasoning_tokens)
            or min(coalesce(response_model, model, '')) != max(coalesce(response_model, model, ''))
        ), false) as has_conflicting_records

    from calls
    group by call_id

),

final as (

    select
        ranked.call_id,
        ranked.trace_id,
        ranked.parent_call_id,
        ranked.source,
        ranked.source_file,
        ranked.source_row,
        ranked.loaded_at,
        ranked.started_at,
        ranked.ended_at,
        ranked.latency_ms,
        ranked.environment,
        ranked.provider,
        ranked.model,
        ranked.response_model,
        ranked.operation,
        ranked.feature,
        ranked.tenant_id,
        ranked.user_id,
        ranked.session_id,
        ranked.plan_tier,
        ranked.attempt,
        ranked.status,
        ranked.input_includes_cache,
        ranked.reported_input_tokens,
        ranked.uncached_input_tokens,
        ranked.cache_read_tokens,
        ranked.cache_write_5m_tokens,
        ranked.cache_write_1h_tokens,
        ranked.output_tokens,
        ranked.reasoning_tokens,
        per_call.gateway_spend_usd,
        per_call.source_record_count,
        per_call.has_conflicting_records

    from ranked
    inner join per_call
        on ranked.call_id = per_call.call_id
    where ranked.record_rank = 1

)

select * from final
