{{ config(meta={'dagster': {'ref': {'name': 'feature_unit_economics_monthly'}}}) }}
-- Conservation: every production dollar of fct_llm_calls is in exactly one month x feature x plan
-- tier row ('(untagged)' and '(unknown)' included), and so is every production call. Exact decimal
-- equality per month, no tolerance. Returns the months whose totals differ.
with

calls as (

    select * from {{ ref('fct_llm_calls') }}
    where environment = '{{ var("unit_economics_environment") }}'

),

feature_months as (

    select * from {{ ref('feature_unit_economics_monthly') }}

),

call_totals as (

    select
        cast({{ dbt.date_trunc('month', 'call_date') }} as date) as month,
        coalesce(sum(cost_usd), 0) as cost_usd,
        count(*) as calls

    from calls
    group by cast({{ dbt.date_trunc('month', 'call_date') }} as date)

),

mart_totals as (

    select
        month,
        sum(cost_usd) as cost_usd,
        sum(calls) as calls

    from feature_months
    group by month

),

final as (

    select
        coalesce(call_totals.month, mart_totals.month) as month,
        call_totals.cost_usd as call_cost_usd,
        mart_totals.cost_usd as mart_cost_usd,
        call_totals.calls as call_count,
        mart_totals.calls as mart_call_count

    from call_totals
    full outer join mart_totals
        on call_totals.month = mart_totals.month
    where
        call_totals.month is null
        or mart_totals.month is null
        or call_totals.cost_usd != mart_totals.cost_usd
        or call_totals.calls != mart_totals.calls

)

select * from final
