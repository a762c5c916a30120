with

source as (

    select * from {{ source('ingest', 'load_manifest') }}

),

final as (

    select
        file_path,
        source,
        size_bytes,
        content_sha256,
        status,
        rows_loaded,
        rows_quarantined,
        rows_skipped,
        error,
        loaded_at,
        cast(loaded_at as date) as load_date

    from source

)

select * from final
