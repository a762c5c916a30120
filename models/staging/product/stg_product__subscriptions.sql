with

source as (

    select * from {{ source('product', 'subscriptions') }}

),

final as (

    select
        tenant_id,
        lower(trim(plan_tier)) as plan_tier,
        seats,
        valid_from,
        valid_to,
        cast(monthly_revenue_usd as {{ money_type() }}) as monthly_revenue_usd,
        _source_file as source_file,
        _source_row as source_row,
        _loaded_at as loaded_at

    from source

)

select * from final
