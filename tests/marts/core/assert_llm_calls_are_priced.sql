{{ config(severity='warn') }}

-- Unpriced usage is flagged, never silently zero: warns with one row per model and reason that has
-- calls without a price (model unknown to genai-prices, or no price in force at the call time).
with

calls as (

    select * from {{ ref('fct_llm_calls') }}

),

final as (

    select
        provider,
        price_model_ref,
        unpriced_reason,
        count(*) as unpriced_calls,
        sum(input_tokens_total) as unpriced_input_tokens,
        sum(output_tokens) as unpriced_output_tokens

    from calls
    where not is_priced
    group by provider, price_model_ref, unpriced_reason

)

select * from final
