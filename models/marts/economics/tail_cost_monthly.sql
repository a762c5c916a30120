{#- One row per month and feature of production traffic: how heavy the tail is. Exact continuous
    percentiles (linear interpolation, as numpy method="linear") of the cost per request tree (by the
    root's feature and the tree's start month) and per call (by the call's feature and day), the
    p95/p50 tail ratio per tree, the share of the feature's tree cost in its most expensive 5% of
    trees, and the share of call cost spent on retries. Unpriced trees and calls (no cost) are counted
    but not in the percentiles. {{ doc("tail_rules") }} -#}
{%- set percentiles = [50, 90, 95, 99] %}
with

trees as (

    select * from {{ ref('fct_request_trees') }}
    where environment = '{{ var("unit_economics_environment") }}'

),

calls as (

    select * from {{ ref('fct_llm_calls') }}
    where environment = '{{ var("unit_economics_environment") }}'

),

trees_monthly as (

    select
        cast({{ dbt.date_trunc('month', 'trace_date') }} as date) as month,
        feature,
        trace_id,
        cost_usd

    from trees

),

trees_ranked as (

    select
        *,
        count(cost_usd) over (partition by month, feature) as priced_trees,
        row_number() over (
            partition by month, feature
            order by case when cost_usd is null then 1 else 0 end asc, cost_usd desc, trace_id asc
        ) as cost_rank

    from trees_monthly

),

tree_stats as (

    select
        month,
        feature,
        count(*) as trees,
        count(cost_usd) as priced_trees,
        coalesce(sum(cost_usd), 0) as tree_cost_usd,
        {%- for p in percentiles %}
        {{ percentile_cont('cost_usd', p / 100) }} as p{{ p }}_cost_per_tree_usd,
        {%- endfor %}
        max(cost_usd) as max_cost_per_tree_usd,
        sum(case when cost_rank <= ceil(priced_trees * 0.05) then 1 else 0 end) as top_5pct_trees,
        coalesce(sum(case when cost_rank <= ceil(priced_trees * 0.05) then cost_usd end), 0)
            as top_5pct_trees_cost_usd

    from trees_ranked
    group by month, feature

),

call_stats as (

    select
        cast({{ dbt.date_trunc('month', 'call_date') }} as date) as month,
        feature,
        count(*) as calls,
        count(cost_usd) as priced_calls,
        coalesce(sum(cost_usd), 0) as call_cost_usd,
        {%- for p in percentiles %}
        {{ percentile_cont('cost_usd', p / 100) }} as p{{ p }}_cost_per_call_usd,
        {%- endfor %}
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
        tree_stats.p{{ p }}_cost_per_tree_usd,
        {%- endfor %}
        tree_stats.max_cost_per_tree_usd,
        coalesce(tree_stats.top_5pct_trees, 0) as top_5pct_trees,
        coalesce(tree_stats.top_5pct_trees_cost_usd, 0) as top_5pct_trees_cost_usd,
        coalesce(call_stats.calls, 0) as calls,
        coalesce(call_stats.priced_calls, 0) as priced_calls,
        coalesce(call_stats.call_cost_usd, 0) as call_cost_usd,
        {%- for p in percentiles %}
        call_stats.p{{ p }}_cost_per_call_usd,
        {%- endfor %}
        call_stats.max_cost_per_call_usd,
        coalesce(call_stats.retry_calls, 0) as retry_calls,
        coalesce(call_stats.retry_cost_usd, 0) as retry_cost_usd

    from keys
    left join tree_stats
        on
            keys.month = tree_stats.month
            and keys.feature = tree_stats.feature
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
