{{ config(meta={'dagster': {'ref': {'name': 'reconciliation_drift_daily'}}}) }}

-- Conservation: the metered cost of reconciliation_drift_daily is every dollar of fct_llm_calls, all
-- environments, nothing twice (unpriced calls have no cost and are in neither). Exact decimal
-- equality, no tolerance; also per provider, so that offsetting errors cannot hide. Returns the
-- providers (and the '(total)' row) whose sums differ.
with

calls as (

    select * from {{ ref('fct_llm_calls') }}

),

reconciliation as (

    select * from {{ ref('reconciliation_drift_daily') }}

),

call_totals as (

    select
        provider,
        coalesce(sum(cost_usd), 0) as cost_usd,
        sum(case when is_priced then 1 else 0 end) as priced_calls

    from calls
    group by provider

    union all

    select
        '(total)' as provider,
        coalesce(sum(cost_usd), 0) as cost_usd,
        sum(case when is_priced then 1 else 0 end) as priced_calls

    from calls

),

reconciliation_totals as (

    select
        provider,
        sum(metered_cost_usd) as metered_cost_usd,
        sum(metered_calls) as metered_calls

    from reconciliation
    group by provider

    union all

    select
        '(total)' as provider,
        coalesce(sum(metered_cost_usd), 0) as metered_cost_usd,
        coalesce(sum(metered_calls), 0) as metered_calls

    from reconciliation

),

final as (

    select
        coalesce(call_totals.provider, reconciliation_totals.provider) as provider,
        call_totals.cost_usd as call_cost_usd,
        reconciliation_totals.metered_cost_usd,
        call_totals.priced_calls,
        reconciliation_totals.metered_calls

    from call_totals
    full outer join reconciliation_totals
        on call_totals.provider = reconciliation_totals.provider
    where
        coalesce(call_totals.cost_usd, 0) != coalesce(reconciliation_totals.metered_cost_usd, 0)
        or coalesce(call_totals.priced_calls, 0) != coalesce(reconciliation_totals.metered_calls, 0)

)

select * from final
