with

source as (

    select * from {{ source('litellm', 'litellm_spend_logs') }}

),

tagged as (

    select
        *,
        coalesce(
            nullif(trim(feature), ''), {{ json_list_tag_value('request_tags', 'feature') }}
        ) as tag_feature,
        coalesce(
            nullif(trim(tenant_id), ''), {{ json_list_tag_value('request_tags', 'tenant') }}
        ) as tag_tenant_id,
        coalesce(
            nullif(trim(plan_tier), ''), {{ json_list_tag_value('request_tags', 'plan') }}
        ) as tag_plan_tier

    from source

),

final as (

    select
        request_id as call_id,
        coalesce(nullif(trim(metadata_trace_id), ''), request_id) as trace_id,
        nullif(trim(metadata_parent_request_id), '') as parent_call_id,
        'litellm' as source,
        _source_file as source_file,
        _source_row as source_row,
        _loaded_at as loaded_at,
        start_time as started_at,
        end_time as ended_at,
        {{ dbt.datediff('start_time', 'end_time', 'millisecond') }}
            as latency_ms,
        lower(nullif(trim(metadata_environment), '')) as environment,
        nullif(trim(custom_llm_provider), '') as provider,
        nullif(trim(model), '') as model,
        cast(null as {{ dbt.type_string() }}) as response_model,
        nullif(trim(call_type), '') as operation,
        lower(tag_feature) as feature,
        coalesce(tag_tenant_id, nullif(trim(team_id), '')) as tenant_id,
        coalesce(nullif(trim(user_id), ''), nullif(trim(end_user), '')) as user_id,
        nullif(trim(session_id), '') as session_id,
        lower(tag_plan_tier) as plan_tier,
        coalesce(metadata_attempt, 0) as attempt,
        case when lower(trim(status)) = 'failure' then 'error' else 'ok' end as status,
        coalesce(prompt_tokens, 0) as input_tokens,
        coalesce(cache_read_input_tokens, 0) as cache_read_tokens,
        coalesce(cache_creation_input_tokens, 0) as cache_write_tokens,
        coalesce(cache_creation_1h_input_tokens, 0) as cache_write_1h_tokens,
        coalesce(completion_tokens, 0) as output_tokens,
        coalesce(reasoning_tokens, 0) as reasoning_tokens,
        cast(spend as {{ money_type() }}) as gateway_spend_usd,
        nullif(trim(model_group), '') as model_group,
        nullif(trim(api_key), '') as api_key_hash,
        request_tags

    from tagged

)

select * from final
