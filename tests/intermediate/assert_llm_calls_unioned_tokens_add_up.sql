-- The exclusive token columns account for every reported input token, in the record's convention:
-- inclusive sources: uncached + cache read + cache write 5m + 1h = reported input;
-- exclusive sources: uncached = reported input. Returns the records that do not add up.
with

calls as (

    select * from {{ ref('int_llm_calls_unioned') }}

),

final as (

    select
        call_id,
        source,
        provider,
        input_includes_cache,
        reported_input_tokens,
        uncached_input_tokens,
        cache_read_tokens,
        cache_write_5m_tokens,
        cache_write_1h_tokens

    from calls
    where
        (
            input_includes_cache
            and uncached_input_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens
            != reported_input_tokens
        )
        or (not input_includes_cache and uncached_input_tokens != reported_input_tokens)

)

select * from final
