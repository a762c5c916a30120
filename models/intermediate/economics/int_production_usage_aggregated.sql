{#- Production calls summed per month, feature, plan-tier cohort (the plan tier in force at the call,
    '(unknown)' when none), tenant and user (null user id: one row for the calls without one). The one
    scan of fct_llm_calls the monthly economics models share: int_tenant_months_billed,
    int_tenant_feature_months_joined, int_active_users_costed and feature_unit_economics_monthly each
    regroup these few thousand rows instead of grouping every call again. Every measure is a sum, a
    count or a max, so any coarser grouping of these rows equals the same grouping of the calls;
    cost_usd stays null when none of the row's calls is priced, as sum() over the calls would. -#}
with

calls as (

    select * from {{ ref('fct_llm_calls') }}
    where environment = '{{ var("unit_economics_environment") }}'

),

aggregated as (

    select
        cast({{ dbt.date_trunc('month', 'call_date') }} as date) as month,
        feature,
        coalesce(plan_tier, '(unknown)') as plan_tier,
        tenant_id,
        user_id,
        count(*) as calls,
        sum(case when is_priced then 0 else 1 end) as unpriced_calls,
        sum(cost_usd) as cost_usd,
        sum(input_tokens_total + output_tokens) as tokens,
        max(started_at) as last_call_at

    from calls
    group by
        cast({{ dbt.date_trunc('month', 'call_date') }} as date),
        feature,
        coalesce(plan_tier, '(unknown)'),
        tenant_id,
        user_id

),

final as (

    select
        cast(month as date) as month,
        cast(feature as {{ dbt.type_string() }}) as feature,
        cast(plan_tier as {{ dbt.type_string() }}) as plan_tier,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(calls as {{ dbt.type_bigint() }}) as calls,
        cast(unpriced_calls as {{ dbt.type_bigint() }}) as unpriced_calls,
        cast(cost_usd as {{ money_type() }}) as cost_usd,
        cast(tokens as {{ dbt.type_bigint() }}) as tokens,
        cast(last_call_at as {{ dbt.type_timestamp() }}) as last_call_at

    from aggregated

)

select * from final
