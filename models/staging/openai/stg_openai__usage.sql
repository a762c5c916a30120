{#- OpenAI completions usage, one row per (day bucket, model, project, batch flag), tokens in the
    canonical exclusive columns. The Usage API counts cached tokens inside input_tokens, so uncached
    input is input_tokens - input_cached_tokens; OpenAI reports no cache writes (0). -#}
with

source as (

    select * from {{ source('openai', 'openai_usage') }}

),

final as (

    select
        cast(bucket_start_time as date) as usage_date,
        bucket_start_time,
        bucket_end_time,
        nullif(trim(model), '') as usage_model,
        nullif(trim(project_id), '') as project_id,
        coalesce(batch, false) as is_batch,
        coalesce(input_tokens, 0) as reported_input_tokens,
        coalesce(input_tokens, 0) - coalesce(input_cached_tokens, 0) as uncached_input_tokens,
        coalesce(input_cached_tokens, 0) as cache_read_tokens,
        cast(0 as {{ dbt.type_bigint() }}) as cache_write_5m_tokens,
        cast(0 as {{ dbt.type_bigint() }}) as cache_write_1h_tokens,
        coalesce(output_tokens, 0) as output_tokens,
        coalesce(input_audio_tokens, 0) as input_audio_tokens,
        coalesce(output_audio_tokens, 0) as output_audio_tokens,
        coalesce(num_model_requests, 0) as model_requests,
        _source_file as source_file,
        _source_row as source_row,
        _loaded_at as loaded_at

    from source

)

select * from final
