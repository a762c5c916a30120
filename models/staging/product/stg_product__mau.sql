with

source as (

    select * from {{ source('product', 'product_mau') }}

),

final as (

    select
        month,
        tenant_id,
        lower(trim(feature)) as feature,
        monthly_active_users,
        _source_file as source_file,
        _source_row as source_row,
        _loaded_at as loaded_at

    from source

)

select * from final
