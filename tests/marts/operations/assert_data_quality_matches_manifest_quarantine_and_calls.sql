{{ config(meta={'dagster': {'ref': {'name': 'data_quality_daily'}}}) }}
-- Nothing dropped: per source, data_quality_daily's rows loaded and skipped equal the current
-- load manifest's, its quarantined rows equal raw.quarantine's, and its calls, unpriced calls and
-- cost equal fct_llm_calls' (every environment). Returns the sources whose totals differ.
with

load_manifest as (

    select * from {{ ref('stg_ingest__load_manifest') }}
    where status != 'replaced'

),

quarantine as (

    select * from {{ ref('stg_ingest__quarantine') }}

),

calls as (

    select * from {{ ref('fct_llm_calls') }}

),

data_quality as (

    select * from {{ ref('data_quality_daily') }}

),

manifest_totals as (

    select
        source,
        coalesce(sum(rows_loaded), 0) as rows_loaded,
        coalesce(sum(rows_skipped), 0) as rows_skipped

    from load_manifest
    group by source

),

quarantine_totals as (

    select
        source,
        count(*) as rows_quarantined

    from quarantine
    group by source

),

call_totals as (

    select
        source,
        count(*) as calls,
        sum(case when is_priced then 0 else 1 end) as unpriced_calls,
        coalesce(sum(cost_usd), 0) as cost_usd

    from calls
    group by source

),

mart_totals as (

    select
        source,
        sum(rows_loaded) as rows_loaded,
        sum(rows_skipped) as rows_skipped,
        sum(rows_quarantined) as rows_quarantined,
        sum(calls) as calls,
        sum(unpriced_calls) as unpriced_calls,
        sum(cost_usd) as cost_usd

    from data_quality
    group by source

),

final as (

    select
        mart_totals.*,
        manifest_totals.rows_loaded as manifest_rows_loaded,
        quarantine_totals.rows_quarantined as quarantine_rows,
        call_totals.calls as fact_calls,
        call_totals.cost_usd as fact_cost_usd

    from mart_totals
    left join manifest_totals
        on mart_totals.source = manifest_totals.source
    left join quarantine_totals
        on mart_totals.source = quarantine_totals.source
    left join call_totals
        on mart_totals.source = call_totals.source
    where
        coalesce(manifest_totals.rows_loaded, 0) != mart_totals.rows_loaded
        or coalesce(manifest_totals.rows_skipped, 0) != mart_totals.rows_skipped
        or coalesce(quarantine_totals.rows_quarantined, 0) != mart_totals.rows_quarantined
        or coalesce(call_totals.calls, 0) != mart_totals.calls
        or coalesce(call_totals.unpriced_calls, 0) != mart_totals.unpriced_calls
        or coalesce(call_totals.cost_usd, 0) != mart_totals.cost_usd

)

select * from final
