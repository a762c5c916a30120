with

source as (

    select * from {{ source('genai_prices', 'rate_card') }}

),

final as (

    select
        price_provider_id,
        model_id,
        model_name,
        valid_from,
        valid_to,
        tod_start_second,
        tod_end_second,
        tier_index,
        tier_start_tokens,
        tier_end_tokens,
        cast(input_mtok as {{ price_type() }}) as input_mtok,
        cast(output_mtok as {{ price_type() }}) as output_mtok,
        cast(cache_read_mtok as {{ price_type() }}) as cache_read_mtok,
        cast(cache_write_mtok as {{ price_type() }}) as cache_write_mtok,
        cast(cache_write_1h_mtok as {{ price_type() }}) as cache_write_1h_mtok,
        cast(output_reasoning_mtok as {{ price_type() }}) as output_reasoning_mtok,
        cast(requests_kcount as {{ price_type() }}) as requests_kcount,
        other_prices_json,
        genai_prices_version,
        _loaded_at as loaded_at

    from source

)

select * from final
