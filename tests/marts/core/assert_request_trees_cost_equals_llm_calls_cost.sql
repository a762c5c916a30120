{{ config(meta={'dagster': {'ref': {'name': 'fct_request_trees'}}}) }}

-- Conservation: every dollar of fct_llm_calls is in exactly one request tree, retries and failed
-- calls included. Exact decimal equality, no tolerance. Returns a row when the totals differ.
with

calls as (

    select * from {{ ref('fct_llm_calls') }}

),

trees as (

    select * from {{ ref('fct_request_trees') }}

),

call_totals as (

    select
        coalesce(sum(cost_usd), 0) as cost_usd,
        coalesce(sum(list_cost_usd), 0) as list_cost_usd,
        count(*) as calls

    from calls

),

tree_totals as (

    select
        coalesce(sum(cost_usd), 0) as cost_usd,
        coalesce(sum(list_cost_usd), 0) as list_cost_usd,
        coalesce(sum(calls), 0) as calls

    from trees

),

final as (

    select
        call_totals.cost_usd as call_cost_usd,
        tree_totals.cost_usd as tree_cost_usd,
        call_totals.list_cost_usd as call_list_cost_usd,
        tree_totals.list_cost_usd as tree_list_cost_usd,
        call_totals.calls as call_count,
        tree_totals.calls as tree_call_count

    from call_totals
    cross join tree_totals
    where
        call_totals.cost_usd != tree_totals.cost_usd
        or call_totals.list_cost_usd != tree_totals.list_cost_usd
        or call_totals.calls != tree_totals.calls

)

select * from final
