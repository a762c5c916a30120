{{ config(meta={'dagster': {'ref': {'name': 'tenant_cost_profile_monthly'}}}) }}
-- Conservation: every production dollar and token of fct_llm_calls is in exactly one month x tenant
-- row ('(untagged)' included), and the Pareto curve ends at exactly 1. Exact decimal equality per
-- month. Returns the months whose totals differ.
with

calls as (

    select * from {{ ref('fct_llm_calls') }}
    where environment = '{{ var("unit_economics_environment") }}'

),

tenant_months as (

    select * from {{ ref('tenant_cost_profile_monthly') }}

),

call_totals as (

    select
        cast({{ dbt.date_trunc('month', 'call_date') }} as date) as month,
        coalesce(sum(cost_usd), 0) as cost_usd,
        sum(input_tokens_total + output_tokens) as tokens

    from calls
    group by cast({{ dbt.date_trunc('month', 'call_date') }} as date)

),

mart_totals as (

    select
        month,
        sum(cost_usd) as cost_usd,
        sum(tokens) as tokens,
        max(cumulative_cost_share) as last_cumulative_cost_share

    from tenant_months
    group by month
    having sum(calls) > 0

),

final as (

    select
        coalesce(call_totals.month, mart_totals.month) as month,
        call_totals.cost_usd as call_cost_usd,
        mart_totals.cost_usd as mart_cost_usd,
        call_totals.tokens as call_tokens,
        mart_totals.tokens as mart_tokens,
        mart_totals.last_cumulative_cost_share

    from call_totals
    full outer join mart_totals
        on call_totals.month = mart_totals.month
    where
        call_totals.month is null
        or mart_totals.month is null
        or call_totals.cost_usd != mart_totals.cost_usd
        or call_totals.tokens != mart_totals.tokens
        or (call_totals.cost_usd > 0 and mart_totals.last_cumulative_cost_share != 1)

)

select * from final
