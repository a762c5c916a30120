with

source as (

    select * from {{ source('otel', 'otlp_spans') }}

),

final as (

    select
        span_id,
        trace_id,
        parent_span_id,
        span_name,
        service_name,
        started_at,
        ended_at,
        case when status_code = 2 then 'error' else 'ok' end as status,
        lower(nullif(trim(environment), '')) as environment,
        lower(nullif(trim(feature), '')) as feature,
        nullif(trim(tenant_id), '') as tenant_id,
        nullif(trim(user_id), '') as user_id,
        nullif(trim(session_id), '') as session_id,
        lower(nullif(trim(plan_tier), '')) as plan_tier,
        _source_file as source_file,
        _source_row as source_row,
        _loaded_at as loaded_at

    from source

)

select * from final
