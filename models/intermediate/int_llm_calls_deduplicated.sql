{{
    config(
        materialized='incremental',
        on_schema_change='append_new_columns',
        **incremental_by_day_config(day_column='call_date', unique_key='call_id')
    )
}}

{#- One row per call_id. The same call can arrive from two sources (an OTLP span and the LiteLLM log
    of the same request, or a canonical export): the record kept is chosen deterministically (OTLP,
    then canonical, then LiteLLM — the richest record first — then file, row and trace), LiteLLM's
    spend is kept from whichever record carries it, and the number of records and whether they
    disagree on the usage (tokens by type, cache writes as one figure since LiteLLM cannot split them
    by lifetime, and the model) are kept for data quality.
    Incremental by day like fct_llm_calls: a run reads only the calls from the latest day loaded minus
    var('lookback_days') and replaces those days whole, so the nightly run touches a few days, not the
    whole history. The records of one call are matched within that window (partition by call_id), so
    twins on either side of midnight (a gateway and a span clock apart) still meet; only a late twin of
    a call already kept before the window's first day would give a second row, and the unique test on
    call_id then fails the build. A full refresh gives the same table.
    Speed: the wide records are read once and streamed through one hash join against the few repeated
    calls (which record to keep, and the call's summary); the repeated ids are found from the key
    alone, in a second, narrow read of the union. A wide CTE read by several steps is materialized
    whole by DuckDB (9 GB at 10M calls, spilled to disk), and sorting or ranking every wide record
    was this model's cost. -#}
{#- The one window bound of an incremental run, on the timestamp itself (not its date) so that it
    reaches the raw scans' min/max pruning; every read of the union takes it. -#}
{%- set in_window = '' %}
{%- if is_incremental() %}
    {%- set in_window = 'where started_at >= cast(' ~ (incremental_start_date('call_date') | trim)
        ~ ' as ' ~ dbt.type_timestamp() ~ ')' %}
{%- endif %}
with

calls as (

    select
        *,
        cast(started_at as date) as call_date

    from {{ ref('int_llm_calls_unioned') }}
    {{ in_window }}

),

call_ids as (

    select call_id from {{ ref('int_llm_calls_unioned') }}
    {{ in_window }}

),

call_records as (

    -- what choosing and summarizing the records of a repeated call needs, and no more
    select
        call_id,
        trace_id,
        source,
        source_file,
        source_row,
        model,
        response_model,
        uncached_input_tokens,
        cache_read_tokens,
        cache_write_5m_tokens,
        cache_write_1h_tokens,
        output_tokens,
        reasoning_tokens,
        gateway_spend_usd

    from {{ ref('int_llm_calls_unioned') }}
    {{ in_window }}

),

repeated_calls as (

    select call_id

    from call_ids
    group by call_id
    having count(*) > 1

),

repeated_records as (

    select call_records.*

    from call_records
    inner join repeated_calls
        on call_records.call_id = repeated_calls.call_id

),

ranked as (

    -- the trace breaks the last tie: OTLP spans of one exported line share file and row
    select
        call_id,
        trace_id,
        source,
        source_file,
        source_row,
        row_number() over (
            partition by call_id
            order by
                case source when 'otlp' then 1 when 'canonical' then 2 else 3 end,
                source_file,
                source_row,
                trace_id
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

kept_records as (

    -- one row per repeated call: the record to keep and the call's summary
    select
        ranked.call_id,
        ranked.trace_id,
        ranked.source,
        ranked.source_file,
        ranked.source_row,
        per_call.source_record_count,
        per_call.gateway_spend_usd,
        per_call.has_conflicting_records

    from ranked
    inner join per_call
        on ranked.call_id = per_call.call_id
    where ranked.record_rank = 1

),

final as (

    -- a call with one record passes as it is; of a repeated call only the kept record passes
    select
        calls.call_id,
        calls.trace_id,
        calls.parent_call_id,
        calls.source,
        calls.source_file,
        calls.source_row,
        calls.loaded_at,
        calls.started_at,
        calls.call_date,
        calls.ended_at,
        calls.latency_ms,
        calls.environment,
        calls.provider,
        calls.model,
        calls.response_model,
        calls.operation,
        calls.feature,
        calls.tenant_id,
        calls.user_id,
        calls.session_id,
        calls.plan_tier,
        calls.attempt,
        calls.status,
        calls.input_includes_cache,
        calls.reported_input_tokens,
        calls.uncached_input_tokens,
        calls.cache_read_tokens,
        calls.cache_write_5m_tokens,
        calls.cache_write_1h_tokens,
        calls.output_tokens,
        calls.reasoning_tokens,
        case
            when kept_records.call_id is null then calls.gateway_spend_usd
            else kept_records.gateway_spend_usd
        end as gateway_spend_usd,
        coalesce(kept_records.source_record_count, cast(1 as {{ dbt.type_bigint() }})) as source_record_count,
        coalesce(kept_records.has_conflicting_records, false) as has_conflicting_records

    from calls
    left join kept_records
        on calls.call_id = kept_records.call_id
    where
        kept_records.call_id is null
        or (
            calls.source = kept_records.source
            and calls.source_file = kept_records.source_file
            and calls.source_row = kept_records.source_row
            and calls.trace_id is not distinct from kept_records.trace_id
        )

)

select * from final
