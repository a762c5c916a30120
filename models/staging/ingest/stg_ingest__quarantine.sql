with

source as (

    select * from {{ source('ingest', 'quarantine') }}

),

final as (

    select
        source,
        file_path,
        source_row,
        reason,
        detail,
        raw_text,
        quarantined_at,
        content_sha256,
        cast(quarantined_at as date) as quarantine_date

    from source

)

select * from final
