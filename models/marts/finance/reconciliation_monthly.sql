{#- Month-to-date reconciliation per calendar month (UTC) and provider, summed from
    reconciliation_drift_daily: metered, invoiced (token and non-token), drift, the number of
    provider × model × day rows in each status, and the worst day — the model-day of the month with the
    largest absolute drift in USD (ties: earliest day, then model). -#}
with

daily as (

    select * from {{ ref('reconciliation_drift_daily') }}

),

daily_in_month as (

    select
        *,
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as month

    from daily

),

monthly as (

    select
        month,
        provider,
        min(usage_date) as first_usage_date,
        max(usage_date) as through_date,
        count(distinct model) as models,
        sum(metered_calls) as metered_calls,
        sum(metered_cost_usd) as metered_cost_usd,
        sum(invoiced_cost_usd) as invoiced_cost_usd,
        sum(invoiced_non_token_usd) as invoiced_non_token_usd,
        sum(case when status = 'ok' then 1 else 0 end) as ok_model_days,
        sum(case when status = 'warn' then 1 else 0 end) as warn_model_days,
        sum(case when status = 'breach' then 1 else 0 end) as breach_model_days,
        sum(case when status = 'missing_invoice' then 1 else 0 end) as missing_invoice_model_days,
        sum(case when status = 'pending_invoice' then 1 else 0 end) as pending_invoice_model_days,
        sum(case when status = 'unmetered_spend' then 1 else 0 end) as unmetered_spend_model_days,
        sum(case when status = 'not_metered' then 1 else 0 end) as not_metered_model_days

    from daily_in_month
    group by
        month,
        provider

),

ranked_days as (

    select
        month,
        provider,
        usage_date,
        model,
        drift_usd,
        drift_pct,
        status,
        row_number() over (
            partition by month, provider
            order by abs(drift_usd) desc, usage_date asc, model asc
        ) as drift_rank

    from daily_in_month

),

worst_days as (

    select * from ranked_days
    where drift_rank = 1

),

final as (

    select
        cast(monthly.month as date) as month,
        cast(monthly.provider as {{ dbt.type_string() }}) as provider,
        cast(monthly.first_usage_date as date) as first_usage_date,
        cast(monthly.through_date as date) as through_date,
        cast(monthly.models as {{ dbt.type_bigint() }}) as models,
        cast(monthly.metered_calls as {{ dbt.type_bigint() }}) as metered_calls,
        cast(monthly.metered_cost_usd as {{ money_type() }}) as metered_cost_usd,
        cast(monthly.invoiced_cost_usd as {{ money_type() }}) as invoiced_cost_usd,
        cast(monthly.invoiced_non_token_usd as {{ money_type() }}) as invoiced_non_token_usd,
        cast(monthly.invoiced_cost_usd + monthly.invoiced_non_token_usd as {{ money_type() }}) as invoiced_total_usd,
        cast(monthly.invoiced_cost_usd - monthly.metered_cost_usd as {{ money_type() }}) as drift_usd,
        {{ percent_of('monthly.invoiced_cost_usd - monthly.metered_cost_usd', 'monthly.invoiced_cost_usd') }}
            as drift_pct,
        cast(monthly.ok_model_days as {{ dbt.type_bigint() }}) as ok_model_days,
        cast(monthly.warn_model_days as {{ dbt.type_bigint() }}) as warn_model_days,
        cast(monthly.breach_model_days as {{ dbt.type_bigint() }}) as breach_model_days,
        cast(monthly.missing_invoice_model_days as {{ dbt.type_bigint() }}) as missing_invoice_model_days,
        cast(monthly.pending_invoice_model_days as {{ dbt.type_bigint() }}) as pending_invoice_model_days,
        cast(monthly.unmetered_spend_model_days as {{ dbt.type_bigint() }}) as unmetered_spend_model_days,
        cast(monthly.not_metered_model_days as {{ dbt.type_bigint() }}) as not_metered_model_days,
        cast(worst_days.usage_date as date) as worst_day,
        cast(worst_days.model as {{ dbt.type_string() }}) as worst_day_model,
        cast(worst_days.drift_usd as {{ money_type() }}) as worst_day_drift_usd,
        cast(worst_days.drift_pct as decimal(38, 6)) as worst_day_drift_pct,
        cast(worst_days.status as {{ dbt.type_string() }}) as worst_day_status

    from monthly
    left join worst_days
        on
            monthly.month = worst_days.month
            and monthly.provider = worst_days.provider

)

select * from final
