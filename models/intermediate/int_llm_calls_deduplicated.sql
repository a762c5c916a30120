{{ config(materialized='view') }}

{#- One row per call_id: a call with one source record passes as it is; of a call with several
    (int_llm_call_repeats_resolved) only the record kept passes, with the call's summary (LiteLLM's
    spend, how many records, whether they disagree).
    A view: its readers (int_trace_roots_identified, and fct_llm_calls through int_llm_calls_priced)
    stream the records through one hash join against the few repeated calls, each for its own days
    and columns. As a table it was a third full copy of the wide calls (after the raw table and before
    the fact), about a sixth of the build at 10M calls. call_date is the record's day: a reader of an
    incremental run filters on started_at (the raw scans' min/max pruning) or on call_date. -#}
with

calls as (

    select
        *,
        cast(started_at as date) as call_date

    from {{ ref('int_llm_calls_unioned') }}

),

call_repeats as (

    select * from {{ ref('int_llm_call_repeats_resolved') }}

),

final as (

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
            when call_repeats.call_id is null then calls.gateway_spend_usd
            else call_repeats.gateway_spend_usd
        end as gateway_spend_usd,
        coalesce(call_repeats.source_record_count, cast(1 as {{ dbt.type_bigint() }})) as source_record_count,
        coalesce(call_repeats.has_conflicting_records, false) as has_conflicting_records

    from calls
    left join call_repeats
        on calls.call_id = call_repeats.call_id
    where
        call_repeats.call_id is null
        or (
            calls.source = call_repeats.source
            and calls.source_file = call_repeats.source_file
            and calls.source_row = call_repeats.source_row
            and calls.trace_id is not distinct from call_repeats.trace_id
        )

)

select * from final
