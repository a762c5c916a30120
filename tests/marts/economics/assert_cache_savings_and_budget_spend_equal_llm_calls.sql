{{ config(meta={'dagster': {'ref': {'name': 'cache_savings_daily'}}}) }}
-- Conservation per day: cache_savings_daily's cost and list cost and budget_alerts_daily's spend sum
-- to the production calls of fct_llm_calls exactly. Returns the days whose totals differ.
with

calls as (

    select * from {{ ref('fct_llm_calls') }}
    where environment = '{{ var("unit_economics_environment") }}'

),

cache_savings as (

    select * from {{ ref('cache_savings_daily') }}

),

budget_alerts as (

    select * from {{ ref('budget_alerts_daily') }}

),

call_totals as (

    select
        call_date,
        coalesce(sum(cost_usd), 0) as cost_usd,
        coalesce(sum(list_cost_usd), 0) as list_cost_usd,
        count(*) as calls

    from calls
    group by call_date

),

cache_totals as (

    select
        call_date,
        sum(cost_usd) as cost_usd,
        sum(list_cost_usd) as list_cost_usd,
        sum(calls) as calls

    from cache_savings
    group by call_date

),

budget_totals as (

    select
        alert_date,
        sum(spend_usd) as spend_usd,
        sum(calls) as calls

    from budget_alerts
    group by alert_date

),

final as (

    select
        call_totals.call_date,
        call_totals.cost_usd,
        cache_totals.cost_usd as cache_cost_usd,
        call_totals.list_cost_usd,
        cache_totals.list_cost_usd as cache_list_cost_usd,
        budget_totals.spend_usd as budget_spend_usd

    from call_totals
    left join cache_totals
        on call_totals.call_date = cache_totals.call_date
    left join budget_totals
        on call_totals.call_date = budget_totals.alert_date
    where
        cache_totals.call_date is null
        or budget_totals.alert_date is null
        or call_totals.cost_usd != cache_totals.cost_usd
        or call_totals.list_cost_usd != cache_totals.list_cost_usd
        or call_totals.calls != cache_totals.calls
        or call_totals.cost_usd != budget_totals.spend_usd
        or call_totals.calls != budget_totals.calls

)

select * from final
