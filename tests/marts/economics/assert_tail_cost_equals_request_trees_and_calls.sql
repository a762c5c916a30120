{{ config(meta={'dagster': {'ref': {'name': 'tail_cost_monthly'}}}) }}
-- Conservation: tail_cost_monthly's tree cost sums to the production trees of fct_request_trees and
-- its call cost to the production calls of fct_llm_calls, exactly, per month. Returns the months
-- whose totals differ.
with

trees as (

    select * from {{ ref('fct_request_trees') }}
    where environment = '{{ var("unit_economics_environment") }}'

),

calls as (

    select * from {{ ref('fct_llm_calls') }}
    where environment = '{{ var("unit_economics_environment") }}'

),

tail as (

    select * from {{ ref('tail_cost_monthly') }}

),

tree_totals as (

    select
        cast({{ dbt.date_trunc('month', 'trace_date') }} as date) as month,
        coalesce(sum(cost_usd), 0) as cost_usd,
        count(*) as trees

    from trees
    group by cast({{ dbt.date_trunc('month', 'trace_date') }} as date)

),

call_totals as (

    select
        cast({{ dbt.date_trunc('month', 'call_date') }} as date) as month,
        coalesce(sum(cost_usd), 0) as cost_usd,
        count(*) as calls

    from calls
    group by cast({{ dbt.date_trunc('month', 'call_date') }} as date)

),

tail_totals as (

    select
        month,
        sum(tree_cost_usd) as tree_cost_usd,
        sum(trees) as trees,
        sum(call_cost_usd) as call_cost_usd,
        sum(calls) as calls

    from tail
    group by month

),

final as (

    select
        tail_totals.month,
        tail_totals.tree_cost_usd,
        tree_totals.cost_usd as fact_tree_cost_usd,
        tail_totals.call_cost_usd,
        call_totals.cost_usd as fact_call_cost_usd

    from tail_totals
    left join tree_totals
        on tail_totals.month = tree_totals.month
    left join call_totals
        on tail_totals.month = call_totals.month
    where
        coalesce(tree_totals.cost_usd, 0) != tail_totals.tree_cost_usd
        or coalesce(tree_totals.trees, 0) != tail_totals.trees
        or coalesce(call_totals.cost_usd, 0) != tail_totals.call_cost_usd
        or coalesce(call_totals.calls, 0) != tail_totals.calls

)

select * from final
