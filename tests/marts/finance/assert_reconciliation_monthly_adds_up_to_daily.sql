{{ config(meta={'dagster': {'ref': {'name': 'reconciliation_monthly'}}}) }}

-- reconciliation_monthly is the sum of reconciliation_drift_daily per calendar month and provider:
-- totals and model-day counts agree exactly. Returns the month-provider rows that differ.
with

monthly as (

    select * from {{ ref('reconciliation_monthly') }}

),

daily as (

    select * from {{ ref('reconciliation_drift_daily') }}

),

daily_totals as (

    select
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as month,
        provider,
        sum(metered_cost_usd) as metered_cost_usd,
        sum(invoiced_total_usd) as invoiced_total_usd,
        count(*) as model_days

    from daily
    group by
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date),
        provider

),

final as (

    select
        coalesce(monthly.month, daily_totals.month) as month,
        coalesce(monthly.provider, daily_totals.provider) as provider,
        monthly.metered_cost_usd,
        daily_totals.metered_cost_usd as daily_metered_cost_usd,
        monthly.invoiced_total_usd,
        daily_totals.invoiced_total_usd as daily_invoiced_total_usd

    from monthly
    full outer join daily_totals
        on
            monthly.month = daily_totals.month
            and monthly.provider = daily_totals.provider
    where
        monthly.provider is null
        or daily_totals.provider is null
        or monthly.metered_cost_usd != daily_totals.metered_cost_usd
        or monthly.invoiced_total_usd != daily_totals.invoiced_total_usd
        or monthly.ok_model_days + monthly.warn_model_days + monthly.breach_model_days
        + monthly.missing_invoice_model_days + monthly.pending_invoice_model_days
        + monthly.unmetered_spend_model_days + monthly.not_metered_model_days != daily_totals.model_days

)

select * from final
