{{ config(meta={'dagster': {'ref': {'name': 'reconciliation_gateway_drift_daily'}}}) }}

-- Every call with a LiteLLM spend is in reconciliation_gateway_drift_daily once: the gateway spend
-- (priced and unpriced calls) and the call count equal those of fct_llm_calls, and our cost of those
-- calls too. Exact decimal equality. Returns a row when the totals differ.
with

calls as (

    select * from {{ ref('fct_llm_calls') }}

),

gateway as (

    select * from {{ ref('reconciliation_gateway_drift_daily') }}

),

call_totals as (

    select
        count(*) as gateway_calls,
        coalesce(sum(gateway_spend_usd), 0) as gateway_spend_usd,
        coalesce(sum(cost_usd), 0) as cost_usd

    from calls
    where gateway_spend_usd is not null

),

gateway_totals as (

    select
        coalesce(sum(gateway_calls), 0) as gateway_calls,
        coalesce(sum(gateway_spend_usd + unpriced_gateway_spend_usd), 0) as gateway_spend_usd,
        coalesce(sum(metered_cost_usd), 0) as cost_usd

    from gateway

),

final as (

    select
        call_totals.gateway_calls,
        gateway_totals.gateway_calls as mart_gateway_calls,
        call_totals.gateway_spend_usd,
        gateway_totals.gateway_spend_usd as mart_gateway_spend_usd,
        call_totals.cost_usd,
        gateway_totals.cost_usd as mart_cost_usd

    from call_totals
    cross join gateway_totals
    where
        call_totals.gateway_calls != gateway_totals.gateway_calls
        or call_totals.gateway_spend_usd != gateway_totals.gateway_spend_usd
        or call_totals.cost_usd != gateway_totals.cost_usd

)

select * from final
