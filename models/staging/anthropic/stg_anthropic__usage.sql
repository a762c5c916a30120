{#- Anthropic messages usage, one row per (day bucket, model, workspace, context window, service
    tier), tokens renamed to the canonical exclusive columns (Anthropic's uncached input already
    excludes cache reads and writes) plus the server-tool web searches. -#}
with

source as (

    select * from {{ source('anthropic', 'anthropic_usage') }}

),

final as (

    select
        cast(starting_at as date) as usage_date,
        starting_at,
        ending_at,
        nullif(trim(model), '') as usage_model,
        nullif(trim(service_tier), '') as service_tier,
        nullif(trim(context_window), '') as context_window,
        nullif(trim(workspace_id), '') as workspace_id,
        coalesce(uncached_input_tokens, 0) as uncached_input_tokens,
        coalesce(cache_read_input_tokens, 0) as cache_read_tokens,
        coalesce(cache_creation_5m_input_tokens, 0) as cache_write_5m_tokens,
        coalesce(cache_creation_1h_input_tokens, 0) as cache_write_1h_tokens,
        coalesce(output_tokens, 0) as output_tokens,
        coalesce(web_search_requests, 0) as web_search_requests,
        _source_file as source_file,
        _source_row as source_row,
        _loaded_at as loaded_at

    from source

)

select * from final
