{#- Incremental only where a run replaces every day of its window (DuckDB's replace_window). Spark's
    partition overwrite and a merge keep a day that has no new row, and this table is sparse: a day
    that lost all its repeated calls (a re-delivered file without the twin) would keep its stale row,
    and the view would then drop the one record left of that call. Elsewhere it is a table, rebuilt from
    the call ids on every run. -#}
{{
    config(
        materialized=('incremental' if target.type == 'duckdb' else 'table'),
        on_schema_change='append_new_columns',
        meta={'window_latest_day_from': 'fct_llm_calls'},
        **incremental_by_day_config(day_column='call_date', unique_key='call_id')
    )
}}

{#- One row per call_id that arrived as several source records (an OTLP span and the LiteLLM log of
    the same request, or a canonical export): the record kept and the call's summary. The record kept
    is chosen deterministically (OTLP, then canonical, then LiteLLM — the richest record first — then
    file, row and trace), LiteLLM's spend is kept from whichever record carries it, and the number of
    records and whether they disagree on the usage (tokens by type, cache writes as one figure since
    LiteLLM cannot split them by lifetime, and the model) are kept for data quality.
    int_llm_calls_deduplicated (a view) applies it to the records: only this small table is written,
    not a second copy of every call (that copy was the build's third write of the wide calls).
    Incremental by day on the kept record's call_date: a run reads the records from the latest day
    loaded minus var('lookback_days') and replaces those days whole. The latest day is the fact's
    (meta.window_latest_day_from), not this table's: a sparse table's own latest day is that of its
    latest repeat, long past or none (a canonical-only load), and its window would reach back to it;
    the fact's window is the one its reader reprocesses. The records of one call are
    matched within that window (partition by call_id), so twins on either side of midnight (a gateway
    and a span clock apart) still meet; only a late twin of a call already kept before the window's
    first day would give a second row of the call in the view, and the unique test on
    fct_llm_calls.call_id then fails the build. A full refresh gives the same table.
    Speed: the repeated ids are found from the key alone (a narrow read of the records), and only the
    records of those calls are ranked. -#}
{#- The one window bound of an incremental run; both reads of the records take it. -#}
{%- set in_window = '' %}
{%- if is_incremental() %}
    {%- set in_window = 'where ' ~ started_on_or_after(incremental_start_date('call_date') | trim) %}
{%- endif %}
with

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
        started_at,
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
        started_at,
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

final as (

    select
        ranked.call_id,
        ranked.trace_id,
        ranked.source,
        ranked.source_file,
        ranked.source_row,
        cast(ranked.started_at as date) as call_date,
        per_call.source_record_count,
        per_call.gateway_spend_usd,
        per_call.has_conflicting_records

    from ranked
    inner join per_call
        on ranked.call_id = per_call.call_id
    where ranked.record_rank = 1

)

select * from final
