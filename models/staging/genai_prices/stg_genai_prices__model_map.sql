with

source as (

    select * from {{ source('genai_prices', 'model_map') }}

),

final as (

    select
        observed_provider,
        observed_model,
        provider_id,
        price_provider_id,
        model_id,
        is_matched,
        match_error,
        genai_prices_version,
        _loaded_at as loaded_at

    from source

)

select * from final
