{{
    config(
        materialized='incremental',
        on_schema_change='append_new_columns',
        **incremental_by_day_config(day_column='call_date', unique_key='call_id')
    )
}}

{#- One row per call_id. The same call can arrive from two sources (an OTLP span and the LiteLLM log
    of the same request, or a canonical export): the record kept is chosen deterministically (OTLP,
    then canonical, then LiteLLM — the richest record first — then file and row), LiteLLM's spend is
    kept from whichever record carries it, and the number of records and whether they disagree on
    the usage (tokens by type, cache writes as one figure since LiteLLM cannot split them by
    lifetime, and the model) are kept for data quality.
    Incremental by day like fct_llm_calls: a run reads only the calls from the latest day loaded minus
    var('lookback_days') and replaces those days whole, so the nightly run touches a few days, not the
    whole history. The records of one call are matched within that window (partition by call_id), so
    twins on either side of midnight (a gateway and a span clock apart) still meet; only a late twin of
    a call already kept before the window's first day would give a second row, and the unique test on
    call_id then fails the build. A full refresh gives the same table. Only the calls with more than one
    record are ranked (sorting every wide record was the cost of this model); a single record is kept
    as it is. -#}
with

calls as (

    select
        *,
        cast(started_at as date) as call_date

    from {{ ref('int_llm_calls_unioned') }}
    {% if is_incremental() -%}
        where cast(started_at as date) >= {{ incremental_start_date('call_date') }}
    {%- endif %}

),

repeated_calls as (

    select call_id

    from calls
    group by call_id
    having count(*) > 1

),

single_records as (

    select calls.*

    from calls
    left join repeated_calls
        on calls.call_id = repeated_calls.call_id
    where repeated_calls.call_id is null

),

repeated_records as (

    select calls.*

    from calls
    inner join repeated_calls
        on calls.call_id = repeated_calls.call_id

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

    from repeated_records

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

    from repeated_records
    group by call_id

),

final as (

    select
        single_records.call_id,
        single_records.trace_id,
        single_records.parent_call_id,
        single_records.source,
        single_records.source_file,
        single_records.source_row,
        single_records.loaded_at,
        single_records.started_at,
        single_records.call_date,
        single_records.ended_at,
        single_records.latency_ms,
        single_records.environment,
        single_records.provider,
        single_records.model,
        single_records.response_model,
        single_records.operation,
        single_records.feature,
        single_records.tenant_id,
        single_records.user_id,
        single_records.session_id,
        single_records.plan_tier,
        single_records.attempt,
        single_records.status,
        single_records.input_includes_cache,
        single_records.reported_input_tokens,
        single_records.uncached_input_tokens,
        single_records.cache_read_tokens,
        single_records.cache_write_5m_tokens,
        single_records.cache_write_1h_tokens,
        single_records.output_tokens,
        single_records.reasoning_tokens,
        single_records.gateway_spend_usd,
        cast(1 as {{ dbt.type_bigint() }}) as source_record_count,
        false as has_conflicting_records

    from single_records

    union all

    select
        ranked.call_id,
        ranked.trace_id,
        ranked.parent_call_id,
        ranked.source,
        ranked.source_file,
        ranked.source_row,
        ranked.loaded_at,
        ranked.started_at,
        ranked.call_date,
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
