-- Every source record, in one pass over the int_llm_calls_unioned view (a generic test per rule
-- re-ran the view's union and convention join each time): ids present, a known source, a token
-- convention configured, no negative or missing token count, reasoning within output, and the
-- exclusive token columns accounting for every reported input token in the record's convention
-- (inclusive sources: uncached + cache read + cache write 5m + 1h = reported input; exclusive
-- sources: uncached = reported input). On the nightly run, the reprocessed window only
-- (in_reprocessed_window). Returns the failing records with one flag per rule.
with

calls as (

    select * from {{ ref('int_llm_calls_unioned') }}
    where {{ in_reprocessed_window('started_at') }}

),

checked as (

    select
        call_id,
        source,
        provider,
        started_at,
        input_includes_cache,
        reported_input_tokens,
        uncached_input_tokens,
        cache_read_tokens,
        cache_write_5m_tokens,
        cache_write_1h_tokens,
        output_tokens,
        reasoning_tokens,
        (call_id is null or trace_id is null) as is_missing_id,
        source not in ('otlp', 'litellm', 'canonical') as is_unknown_source,
        input_includes_cache is null as is_missing_convention,
        uncached_input_tokens is null as is_missing_uncached_input,
        (
            uncached_input_tokens < 0
            or cache_read_tokens < 0
            or cache_write_5m_tokens < 0
            or cache_write_1h_tokens < 0
            or output_tokens < 0
            or reasoning_tokens < 0
        ) as is_negative_tokens,
        not coalesce(reasoning_tokens <= output_tokens, false) as is_reasoning_over_output,
        (
            (
                input_includes_cache
                and uncached_input_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens
                != reported_input_tokens
            )
            or (not input_includes_cache and uncached_input_tokens != reported_input_tokens)
        ) as is_input_not_adding_up

    from calls

),

final as (

    select * from checked
    where
        is_missing_id
        or is_unknown_source
        or is_missing_convention
        or is_missing_uncached_input
        or is_negative_tokens
        or is_reasoning_over_output
        or is_input_not_adding_up

)

select * from final
