{#- Anthropic cost report results, one row per (day bucket, workspace, model, cost type, token type,
    context window, service tier). The API's amount is in CENTS: amount_usd = amount_cents × 0.01
    (a decimal literal, never a division). Token types are normalized to the canonical names; a cost
    type other than tokens (web_search, code_execution...) is kept as its own token type; a token
    cost of a token type we do not know is 'unmapped' (token_type_reported keeps it). -#}
with

source as (

    select * from {{ source('anthropic', 'anthropic_costs') }}

),

normalized as (

    select
        *,
        lower(nullif(trim(cost_type), '')) as cost_type_normalized,
        lower(nullif(trim(token_type), '')) as token_type_reported

    from source

),

final as (

    select
        cast(starting_at as date) as usage_date,
        starting_at,
        ending_at,
        nullif(trim(workspace_id), '') as workspace_id,
        description,
        cost_type_normalized as cost_type,
        nullif(trim(context_window), '') as context_window,
        nullif(trim(model), '') as invoice_model,
        nullif(trim(service_tier), '') as service_tier,
        token_type_reported,
        case
            when coalesce(cost_type_normalized, 'tokens') != 'tokens' then cost_type_normalized
            when token_type_reported = 'uncached_input_tokens' then 'uncached_input'
            when token_type_reported = 'cache_read_input_tokens' then 'cache_read'
            when token_type_reported = 'cache_creation.ephemeral_5m_input_tokens' then 'cache_write_5m'
            when token_type_reported = 'cache_creation.ephemeral_1h_input_tokens' then 'cache_write_1h'
            when token_type_reported = 'output_tokens' then 'output'
            else 'unmapped'
        end as token_type,
        cast(amount_cents as {{ money_type() }}) as amount_cents,
        cast(amount_cents * 0.01 as {{ money_type() }}) as amount_usd,
        upper(currency) as currency,
        _source_file as source_file,
        _source_row as source_row,
        _loaded_at as loaded_at

    from normalized

)

select * from final
