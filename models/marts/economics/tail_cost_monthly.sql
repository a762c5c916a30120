{#- One row per month and feature of production traffic: how heavy the tail is. Exact continuous
    percentiles (linear interpolation, as numpy method="linear") of the cost per request tree (by the
    root's feature and the tree's start month) and per call (by the call's feature and day), the
    p95/p50 tail ratio per tree, the share of the feature's tree cost in its most expensive 5% of
    trees, and the share of call cost spent on retries. Unpriced trees and calls (no cost) are counted
    but not in the percentiles. {{ doc("tail_rules") }} -#}
{%- set percentiles = [50, 90, 95, 99] %}
{%- set fractions = [] %}
{%- for p in percentiles %}{% do fractions.append(p / 100) %}{% endfor %}
with

trees as (

    select * from {{ ref('fct_request_trees') }}
    where environment = '{{ var("unit_economics_environment") }}'

),

top_candidate_trees as (

    -- The same trees again, for the top 5 %: DuckDB materializes a CTE that is read twice (here a copy
    -- of every production tree's three columns, about 15 % of this model's CPU time at 10M calls); a
    -- second scan is cheaper, and the join's bound on the cost lets it skip row groups.
    select * from {{ ref('fct_request_trees') }}
    where environment = '{{ var("unit_economics_environment") }}'

),

calls as (

    select * from {{ ref('fct_llm_calls') }}
    where environment = '{{ var("unit_economics_environment") }}'

),

tree_costs as (

    -- Only the three narrow columns: every step below groups or sorts these, never the wide tree rows.
    select
        cast({{ dbt.date_trunc('month', 'trace_date') }} as date) as month,
        feature,
        cost_usd

    from trees

),

top_candidate_tree_costs as (

    select
        cast({{ dbt.date_trunc('month', 'trace_date') }} as date) as month,
        feature,
        cost_usd

    from top_candidate_trees

),

tree_stats as (

    select
        month,
        feature,
        count(*) as trees,
        count(cost_usd) as priced_trees,
        coalesce(sum(cost_usd), 0) as tree_cost_usd,
        {{ percentile_cont_list('cost_usd', fractions) }} as cost_percentiles,
        max(cost_usd) as max_cost_per_tree_usd

    from tree_costs
    group by month, feature

),

top_bounds as (

    select
        month,
        feature,
        cast(ceil(priced_trees * 0.05) as {{ dbt.type_bigint() }}) as top_trees,
        {{ array_element('cost_percentiles', percentiles.index(90) + 1) }} as p90_cost_per_tree_usd

    from tree_stats

),

top_candidates as (

    -- Every tree of the top 5 % costs at least the p90: with n priced trees, the top k = ceil(5 % of
    -- n) are the values at ascending ranks n - k .. n - 1 (from 0), and the p90 interpolates at most
    -- up to the value at rank ceil(0.9 (n - 1)) <= n - k. So only the distinct costs from the p90 up
    -- are ranked (about a tenth of the trees), each with how many trees have it. The data test
    -- top_5pct_trees = ceil(5 % of n) would catch a bound that missed a tree.
    select
        top_candidate_tree_costs.month,
        top_candidate_tree_costs.feature,
        top_candidate_tree_costs.cost_usd,
        count(*) as trees

    from top_candidate_tree_costs
    inner join top_bounds
        on
            top_candidate_tree_costs.month = top_bounds.month
            and top_candidate_tree_costs.feature = top_bounds.feature
    where top_candidate_tree_costs.cost_usd >= top_bounds.p90_cost_per_tree_usd
    group by top_candidate_tree_costs.month, top_candidate_tree_costs.feature, top_candidate_tree_costs.cost_usd

),

top_candidates_ranked as (

    select
        top_candidates.month,
        top_candidates.feature,
        top_candidates.cost_usd,
        top_candidates.trees,
        top_bounds.top_trees,
        sum(top_candidates.trees) over (
            partition by top_candidates.month, top_candidates.feature
            order by top_candidates.cost_usd desc
            rows between unbounded preceding and current row
        ) - top_candidates.trees as trees_above

    from top_candidates
    inner join top_bounds
        on
            top_candidates.month = top_bounds.month
            and top_candidates.feature = top_bounds.feature

),

top_candidates_taken as (

    -- The k most expensive trees: every cost above the k-th largest (the threshold) whole, and as
    -- many trees at the threshold as are still needed. Tied trees cost the same, so this is exactly
    -- the sum over the first k trees of a ranking by cost (whatever breaks the ties).
    select
        month,
        feature,
        cost_usd,
        case
            when trees_above >= top_trees then 0
            when trees_above + trees <= top_trees then trees
            else top_trees - trees_above
        end as taken_trees

    from top_candidates_ranked

),

top_trees as (

    select
        month,
        feature,
        sum(taken_trees) as top_5pct_trees,
        sum(taken_trees * cost_usd) as top_5pct_trees_cost_usd

    from top_candidates_taken
    group by month, feature

),

call_stats as (

    select
        cast({{ dbt.date_trunc('month', 'call_date') }} as date) as month,
        feature,
        count(*) as calls,
        count(cost_usd) as priced_calls,
        coalesce(sum(cost_usd), 0) as call_cost_usd,
        {{ percentile_cont_list('cost_usd', fractions) }} as cost_percentiles,
        max(cost_usd) as max_cost_per_call_usd,
        sum(case when attempt > 0 then 1 else 0 end) as retry_calls,
        coalesce(sum(case when attempt > 0 then cost_usd end), 0) as retry_cost_usd

    from calls
    group by cast({{ dbt.date_trunc('month', 'call_date') }} as date), feature

),

keys as (

    select
        month,
        feature
    from tree_stats

    union

    select
        month,
        feature
    from call_stats

),

joined as (

    select
        keys.month,
        keys.feature,
        coalesce(tree_stats.trees, 0) as trees,
        coalesce(tree_stats.priced_trees, 0) as priced_trees,
        coalesce(tree_stats.tree_cost_usd, 0) as tree_cost_usd,
        {%- for p in percentiles %}
        {{ array_element('tree_stats.cost_percentiles', loop.index) }} as p{{ p }}_cost_per_tree_usd,
        {%- endfor %}
        tree_stats.max_cost_per_tree_usd,
        coalesce(top_trees.top_5pct_trees, 0) as top_5pct_trees,
        coalesce(top_trees.top_5pct_trees_cost_usd, 0) as top_5pct_trees_cost_usd,
        coalesce(call_stats.calls, 0) as calls,
        coalesce(call_stats.priced_calls, 0) as priced_calls,
        coalesce(call_stats.call_cost_usd, 0) as call_cost_usd,
        {%- for p in percentiles %}
        {{ array_element('call_stats.cost_percentiles', loop.index) }} as p{{ p }}_cost_per_call_usd,
        {%- endfor %}
        call_stats.max_cost_per_call_usd,
        coalesce(call_stats.retry_calls, 0) as retry_calls,
        coalesce(call_stats.retry_cost_usd, 0) as retry_cost_usd

    from keys
    left join tree_stats
        on
            keys.month = tree_stats.month
            and keys.feature = tree_stats.feature
    left join top_trees
        on
            keys.month = top_trees.month
            and keys.feature = top_trees.feature
    left join call_stats
        on
            keys.month = call_stats.month
            and keys.feature = call_stats.feature

),

final as (

    select
        cast(month as date) as month,
        cast(feature as {{ dbt.type_string() }}) as feature,
        cast(trees as {{ dbt.type_bigint() }}) as trees,
        cast(trees - priced_trees as {{ dbt.type_bigint() }}) as unpriced_trees,
        cast(tree_cost_usd as {{ money_type() }}) as tree_cost_usd,
        cast({{ divide_decimal('tree_cost_usd', 'priced_trees', 0) }} as {{ money_type() }})
            as mean_cost_per_tree_usd,
        {%- for p in percentiles %}
        cast(p{{ p }}_cost_per_tree_usd as {{ money_type() }}) as p{{ p }}_cost_per_tree_usd,
        {%- endfor %}
        cast(max_cost_per_tree_usd as {{ money_type() }}) as max_cost_per_tree_usd,
        cast(
            {{ divide_decimal('p95_cost_per_tree_usd', 'p50_cost_per_tree_usd') }} as {{ ratio_type() }}
        ) as tail_ratio,
        cast(top_5pct_trees as {{ dbt.type_bigint() }}) as top_5pct_trees,
        cast(top_5pct_trees_cost_usd as {{ money_type() }}) as top_5pct_trees_cost_usd,
        cast(
            {{ divide_decimal('top_5pct_trees_cost_usd', 'tree_cost_usd') }} as {{ ratio_type() }}
        ) as top_5pct_trees_cost_share,
        cast(calls as {{ dbt.type_bigint() }}) as calls,
        cast(calls - priced_calls as {{ dbt.type_bigint() }}) as unpriced_calls,
        cast(call_cost_usd as {{ money_type() }}) as call_cost_usd,
        cast({{ divide_decimal('call_cost_usd', 'priced_calls', 0) }} as {{ money_type() }})
            as mean_cost_per_call_usd,
        {%- for p in percentiles %}
        cast(p{{ p }}_cost_per_call_usd as {{ money_type() }}) as p{{ p }}_cost_per_call_usd,
        {%- endfor %}
        cast(max_cost_per_call_usd as {{ money_type() }}) as max_cost_per_call_usd,
        cast(retry_calls as {{ dbt.type_bigint() }}) as retry_calls,
        cast(retry_cost_usd as {{ money_type() }}) as retry_cost_usd,
        cast({{ divide_decimal('retry_cost_usd', 'call_cost_usd') }} as {{ ratio_type() }}) as retry_cost_share

    from joined

)

select * from final
