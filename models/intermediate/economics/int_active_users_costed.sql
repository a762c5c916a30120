{#- One row per active user per month, feature and plan-tier cohort, with the user's production AI
    cost: every user seen in production calls (cost summed over the cohort's calls; the cohort is the
    plan tier in force at the call) and one zero-cost row for each active user without AI calls (MAU
    above the users seen in calls), in the tenant's month-end plan tier. The population of the
    per-user percentiles of feature_unit_economics_monthly. Calls without a user id have no row here
    (their cost still counts in the mart's cost and mean). {{ doc("active_users_rule") }} -#}
with

production_usage as (

    select * from {{ ref('int_production_usage_aggregated') }}

),

tenant_features as (

    select * from {{ ref('int_tenant_feature_months_joined') }}

),

users_with_calls as (

    -- Already one row per month, feature, cohort, tenant and user.
    select
        month,
        feature,
        plan_tier,
        tenant_id,
        user_id,
        calls,
        coalesce(cost_usd, 0) as cost_usd

    from production_usage
    where user_id is not null

),

users_without_calls as (

    select
        tenant_features.month,
        tenant_features.feature,
        coalesce(tenant_features.plan_tier, '(unknown)') as plan_tier,
        tenant_features.tenant_id,
        cast(null as {{ dbt.type_string() }}) as user_id,
        expanded.user_number

    from tenant_features
    {{ expand_by_count('tenant_features.users_without_ai_calls', 'user_number') }}
    where tenant_features.users_without_ai_calls > 0

),

unioned as (

    select
        month,
        feature,
        plan_tier,
        tenant_id,
        user_id,
        cast(null as {{ dbt.type_bigint() }}) as zero_cost_user_number,
        calls,
        cost_usd

    from users_with_calls

    union all

    select
        month,
        feature,
        plan_tier,
        tenant_id,
        user_id,
        user_number as zero_cost_user_number,
        0 as calls,
        0 as cost_usd

    from users_without_calls

),

final as (

    select
        cast(month as date) as month,
        cast(feature as {{ dbt.type_string() }}) as feature,
        cast(plan_tier as {{ dbt.type_string() }}) as plan_tier,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(zero_cost_user_number as {{ dbt.type_bigint() }}) as zero_cost_user_number,
        cast(user_id is not null as {{ dbt.type_boolean() }}) as has_ai_calls,
        cast(calls as {{ dbt.type_bigint() }}) as calls,
        cast(cost_usd as {{ money_type() }}) as cost_usd

    from unioned

)

select * from final
