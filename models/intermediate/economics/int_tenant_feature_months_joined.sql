{#- One row per month, tenant and feature with production calls or product MAU: the join of the
    inference traces (calls, cost, users with AI calls) with product analytics (MAU, feature names
    through seeds/feature_aliases.csv). Active users are the larger of the reported MAU and the users
    seen in calls (flagged when the MAU is below); the difference to the users with calls are active
    users without AI calls (zero cost). The inputs of the revenue allocation weights.
    {{ doc("active_users_rule") }} -#}
with

production_usage as (

    select * from {{ ref('int_production_usage_aggregated') }}

),

product_mau as (

    select * from {{ ref('stg_product__mau') }}

),

feature_aliases as (

    select * from {{ ref('feature_aliases') }}

),

feature_catalog as (

    select * from {{ ref('feature_catalog') }}

),

tenant_months as (

    select * from {{ ref('int_tenant_months_billed') }}

),

user_usage as (

    -- Per user first (across plan tiers), so that users_with_ai_calls is a plain count of these rows
    -- (calls without a user id form one row with a null user_id, not counted).
    select
        month,
        tenant_id,
        feature,
        user_id,
        sum(calls) as calls,
        sum(cost_usd) as cost_usd

    from production_usage
    group by month, tenant_id, feature, user_id

),

call_usage as (

    select
        month,
        tenant_id,
        feature,
        sum(calls) as calls,
        coalesce(sum(cost_usd), 0) as cost_usd,
        count(user_id) as users_with_ai_calls

    from user_usage
    group by month, tenant_id, feature

),

mau_mapped as (

    select
        cast({{ dbt.date_trunc('month', 'product_mau.month') }} as date) as month,
        product_mau.tenant_id,
        coalesce(feature_aliases.feature_id, product_mau.feature) as feature,
        product_mau.monthly_active_users

    from product_mau
    left join feature_aliases
        on product_mau.feature = feature_aliases.alias

),

mau_by_feature as (

    select
        month,
        tenant_id,
        feature,
        sum(monthly_active_users) as product_mau

    from mau_mapped
    group by month, tenant_id, feature

),

keys as (

    select
        month,
        tenant_id,
        feature
    from call_usage

    union

    select
        month,
        tenant_id,
        feature
    from mau_by_feature

),

joined as (

    select
        keys.month,
        keys.tenant_id,
        keys.feature,
        tenant_months.plan_tier,
        mau_by_feature.product_mau,
        coalesce(call_usage.users_with_ai_calls, 0) as users_with_ai_calls,
        coalesce(call_usage.calls, 0) as calls,
        coalesce(call_usage.cost_usd, 0) as cost_usd,
        coalesce(feature_catalog.revenue_weight, 0) as revenue_weight

    from keys
    left join call_usage
        on
            keys.month = call_usage.month
            and keys.tenant_id = call_usage.tenant_id
            and keys.feature = call_usage.feature
    left join mau_by_feature
        on
            keys.month = mau_by_feature.month
            and keys.tenant_id = mau_by_feature.tenant_id
            and keys.feature = mau_by_feature.feature
    left join tenant_months
        on
            keys.month = tenant_months.month
            and keys.tenant_id = tenant_months.tenant_id
    left join feature_catalog
        on keys.feature = feature_catalog.feature_id

),

counted as (

    select
        *,
        case
            when coalesce(product_mau, 0) < users_with_ai_calls then users_with_ai_calls
            else product_mau
        end as active_users

    from joined

),

final as (

    select
        cast(month as date) as month,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(feature as {{ dbt.type_string() }}) as feature,
        cast(plan_tier as {{ dbt.type_string() }}) as plan_tier,
        cast(product_mau as {{ dbt.type_bigint() }}) as product_mau,
        cast(users_with_ai_calls as {{ dbt.type_bigint() }}) as users_with_ai_calls,
        cast(active_users as {{ dbt.type_bigint() }}) as active_users,
        cast(active_users - users_with_ai_calls as {{ dbt.type_bigint() }}) as users_without_ai_calls,
        cast(coalesce(product_mau, 0) < users_with_ai_calls as {{ dbt.type_boolean() }}) as is_mau_below_call_users,
        cast(calls as {{ dbt.type_bigint() }}) as calls,
        cast(cost_usd as {{ money_type() }}) as cost_usd,
        cast(revenue_weight as decimal(18, 6)) as revenue_weight

    from counted

)

select * from final
