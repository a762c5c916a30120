{#- One row per month, feature and plan-tier cohort (the plan tier in force at the call): production
    usage, active users, cost per active user (mean and p10/p50/p90 across active users, users
    without AI calls at zero), allocated revenue, gross margin and the breakeven flag. '(untagged)' is
    a feature row of its own, so cost sums to fct_llm_calls' production cost exactly. Reads only small
    aggregates (int_production_usage_aggregated, int_production_trees_counted for the distinct request
    trees), never the calls.
    {{ doc("unit_economics_rules") }} -#}
with

production_usage as (

    select * from {{ ref('int_production_usage_aggregated') }}

),

active_users as (

    select * from {{ ref('int_active_users_costed') }}

),

tenant_features as (

    select * from {{ ref('int_tenant_feature_months_joined') }}

),

revenue_allocated as (

    select * from {{ ref('int_feature_revenue_allocated') }}

),

production_trees as (

    select * from {{ ref('int_production_trees_counted') }}

),

plan_catalog as (

    select * from {{ ref('plan_catalog') }}

),

feature_catalog as (

    select * from {{ ref('feature_catalog') }}

),

tenant_usage as (

    -- Per tenant first, so that tenants is a plain count of these rows; from the shared per-user
    -- aggregate, not the calls (the distinct request trees come from int_production_trees_counted).
    select
        month,
        feature,
        plan_tier,
        tenant_id,
        sum(calls) as calls,
        sum(unpriced_calls) as unpriced_calls,
        sum(cost_usd) as cost_usd

    from production_usage
    group by month, feature, plan_tier, tenant_id

),

tree_counts as (

    -- a tree counts once per month, feature and cohort of its calls, on one day: the days add up
    select
        month,
        feature,
        plan_tier,
        sum(request_trees) as request_trees

    from production_trees
    group by month, feature, plan_tier

),

call_usage as (

    select
        tenant_usage.month,
        tenant_usage.feature,
        tenant_usage.plan_tier,
        sum(tenant_usage.calls) as calls,
        sum(tenant_usage.unpriced_calls) as unpriced_calls,
        count(tenant_usage.tenant_id) as tenants,
        coalesce(sum(tenant_usage.cost_usd), 0) as cost_usd

    from tenant_usage
    group by tenant_usage.month, tenant_usage.feature, tenant_usage.plan_tier

),

user_distribution as (

    select
        month,
        feature,
        plan_tier,
        count(*) as active_users,
        count(user_id) as users_with_ai_calls,
        {{ percentile_cont_list('cost_usd', [0.1, 0.5, 0.9]) }} as cost_percentiles

    from active_users
    group by month, feature, plan_tier

),

product_usage as (

    select
        month,
        feature,
        coalesce(plan_tier, '(unknown)') as plan_tier,
        sum(product_mau) as product_mau,
        {{ dbt.bool_or('is_mau_below_call_users') }} as is_mau_below_call_users

    from tenant_features
    group by month, feature, coalesce(plan_tier, '(unknown)')

),

revenue as (

    select
        month,
        feature,
        plan_tier,
        sum(allocated_revenue_usd) as allocated_revenue_usd

    from revenue_allocated
    group by month, feature, plan_tier

),

keys as (

    select
        month,
        feature,
        plan_tier
    from call_usage

    union

    select
        month,
        feature,
        plan_tier
    from user_distribution

    union

    select
        month,
        feature,
        plan_tier
    from product_usage

    union

    select
        month,
        feature,
        plan_tier
    from revenue

),

joined as (

    select
        keys.month,
        keys.feature,
        keys.plan_tier,
        coalesce(feature_catalog.display_name, keys.feature) as feature_display_name,
        coalesce(feature_catalog.is_free_tier, false) as is_free_tier,
        coalesce(call_usage.tenants, 0) as tenants,
        coalesce(call_usage.calls, 0) as calls,
        coalesce(call_usage.unpriced_calls, 0) as unpriced_calls,
        coalesce(tree_counts.request_trees, 0) as request_trees,
        product_usage.product_mau,
        coalesce(user_distribution.active_users, 0) as active_users,
        coalesce(user_distribution.users_with_ai_calls, 0) as users_with_ai_calls,
        coalesce(product_usage.is_mau_below_call_users, false) as is_mau_below_call_users,
        coalesce(call_usage.cost_usd, 0) as cost_usd,
        {{ array_element('user_distribution.cost_percentiles', 1) }} as p10_cost_per_active_user_usd,
        {{ array_element('user_distribution.cost_percentiles', 2) }} as p50_cost_per_active_user_usd,
        {{ array_element('user_distribution.cost_percentiles', 3) }} as p90_cost_per_active_user_usd,
        coalesce(revenue.allocated_revenue_usd, 0) as allocated_revenue_usd,
        plan_catalog.price_per_seat_usd

    from keys
    left join call_usage
        on
            keys.month = call_usage.month
            and keys.feature = call_usage.feature
            and keys.plan_tier = call_usage.plan_tier
    left join tree_counts
        on
            keys.month = tree_counts.month
            and keys.feature = tree_counts.feature
            and keys.plan_tier = tree_counts.plan_tier
    left join user_distribution
        on
            keys.month = user_distribution.month
            and keys.feature = user_distribution.feature
            and keys.plan_tier = user_distribution.plan_tier
    left join product_usage
        on
            keys.month = product_usage.month
            and keys.feature = product_usage.feature
            and keys.plan_tier = product_usage.plan_tier
    left join revenue
        on
            keys.month = revenue.month
            and keys.feature = revenue.feature
            and keys.plan_tier = revenue.plan_tier
    left join feature_catalog
        on keys.feature = feature_catalog.feature_id
    left join plan_catalog
        on keys.plan_tier = plan_catalog.plan_tier

),

unit_costs as (

    select
        joined.*,
        {{ divide_decimal('joined.cost_usd', 'joined.calls', 0) }} as cost_per_call_usd,
        {{ divide_decimal('joined.cost_usd', 'joined.request_trees', 0) }} as cost_per_tree_usd,
        {{ divide_decimal('joined.cost_usd', 'joined.active_users', 0) }} as cost_per_active_user_usd,
        joined.allocated_revenue_usd - joined.cost_usd as gross_margin_usd

    from joined

),

ratios as (

    select
        unit_costs.*,
        {{ divide_decimal('unit_costs.gross_margin_usd * 100', 'unit_costs.allocated_revenue_usd') }}
            as gross_margin_pct,
        {{ divide_decimal('unit_costs.cost_per_active_user_usd', 'unit_costs.price_per_seat_usd') }}
            as cost_to_price_ratio

    from unit_costs

),

with_previous as (

    select
        ratios.*,
        previous_month.cost_per_active_user_usd as previous_cost_per_active_user_usd

    from ratios
    left join ratios as previous_month
        on
            ratios.feature = previous_month.feature
            and ratios.plan_tier = previous_month.plan_tier
            and ratios.month = cast({{ dbt.dateadd('month', 1, 'previous_month.month') }} as date)

),

final as (

    select
        cast(month as date) as month,
        cast(feature as {{ dbt.type_string() }}) as feature,
        cast(plan_tier as {{ dbt.type_string() }}) as plan_tier,
        cast(feature_display_name as {{ dbt.type_string() }}) as feature_display_name,
        cast(is_free_tier as {{ dbt.type_boolean() }}) as is_free_tier,
        cast(tenants as {{ dbt.type_bigint() }}) as tenants,
        cast(calls as {{ dbt.type_bigint() }}) as calls,
        cast(unpriced_calls as {{ dbt.type_bigint() }}) as unpriced_calls,
        cast(request_trees as {{ dbt.type_bigint() }}) as request_trees,
        cast(product_mau as {{ dbt.type_bigint() }}) as product_mau,
        cast(active_users as {{ dbt.type_bigint() }}) as active_users,
        cast(users_with_ai_calls as {{ dbt.type_bigint() }}) as users_with_ai_calls,
        cast(active_users - users_with_ai_calls as {{ dbt.type_bigint() }}) as users_without_ai_calls,
        cast(is_mau_below_call_users as {{ dbt.type_boolean() }}) as is_mau_below_call_users,
        cast(cost_usd as {{ money_type() }}) as cost_usd,
        cast(cost_per_call_usd as {{ money_type() }}) as cost_per_call_usd,
        cast(cost_per_tree_usd as {{ money_type() }}) as cost_per_tree_usd,
        cast(cost_per_active_user_usd as {{ money_type() }}) as cost_per_active_user_usd,
        cast(p10_cost_per_active_user_usd as {{ money_type() }}) as p10_cost_per_active_user_usd,
        cast(p50_cost_per_active_user_usd as {{ money_type() }}) as p50_cost_per_active_user_usd,
        cast(p90_cost_per_active_user_usd as {{ money_type() }}) as p90_cost_per_active_user_usd,
        cast(allocated_revenue_usd as {{ money_type() }}) as allocated_revenue_usd,
        cast(gross_margin_usd as {{ money_type() }}) as gross_margin_usd,
        cast(gross_margin_pct as {{ ratio_type() }}) as gross_margin_pct,
        cast(price_per_seat_usd as {{ money_type() }}) as price_per_seat_usd,
        cast(cost_to_price_ratio as {{ ratio_type() }}) as cost_to_price_ratio,
        cast(
            coalesce(
                cost_to_price_ratio > cast({{ var('margin_negative_ratio') }} as {{ ratio_type() }}),
                false
            ) as {{ dbt.type_boolean() }}
        ) as is_margin_negative,
        cast(previous_cost_per_active_user_usd as {{ money_type() }}) as previous_cost_per_active_user_usd,
        cast(
            {{ divide_decimal(
                '(cost_per_active_user_usd - previous_cost_per_active_user_usd) * 100',
                'previous_cost_per_active_user_usd'
            ) }} as {{ ratio_type() }}
        ) as cost_per_active_user_mom_change_pct

    from with_previous

)

select * from final
