{#- One row per tenant and reporting month (tenants with a subscription period in the month, with
    production calls or with product MAU; '(untagged)' included): the hybrid base + usage bill —
    pro-rated seat revenue plus overage for the AI credits used beyond the included ones — next to the
    month's production cost and tokens. {{ doc("revenue_model") }} -#}
with

periods as (

    select * from {{ ref('int_subscription_periods_prorated') }}

),

plan_catalog as (

    select * from {{ ref('plan_catalog') }}

),

production_usage as (

    select * from {{ ref('int_production_usage_aggregated') }}

),

product_mau as (

    select * from {{ ref('stg_product__mau') }}

),

usage_by_tier as (

    select
        tenant_id,
        month,
        plan_tier,
        sum(calls) as calls,
        coalesce(sum(cost_usd), 0) as cost_usd,
        sum(tokens) as tokens,
        max(last_call_at) as last_call_at

    from production_usage
    group by tenant_id, month, plan_tier

),

usage_credited as (

    select
        usage_by_tier.*,
        cast(
            usage_by_tier.cost_usd * coalesce(plan_catalog.credits_per_usd_cost, 0) as {{ money_type() }}
        ) as credits_used,
        row_number() over (
            partition by usage_by_tier.tenant_id, usage_by_tier.month
            order by usage_by_tier.last_call_at desc, usage_by_tier.plan_tier asc
        ) as recency_rank

    from usage_by_tier
    left join plan_catalog
        on usage_by_tier.plan_tier = plan_catalog.plan_tier

),

usage_by_tenant as (

    select
        tenant_id,
        month,
        sum(calls) as calls,
        sum(cost_usd) as cost_usd,
        sum(tokens) as tokens,
        sum(credits_used) as credits_used,
        max(case when recency_rank = 1 then plan_tier end) as last_call_plan_tier

    from usage_credited
    group by tenant_id, month

),

subscribed as (

    select
        tenant_id,
        month,
        sum(prorated_seats) as prorated_seats,
        sum(seat_revenue_usd) as seat_revenue_usd,
        sum(included_credits) as included_credits,
        max(case when is_month_end_period then plan_tier end) as plan_tier,
        max(case when is_month_end_period then seats end) as seats,
        case
            when min(revenue_source) = max(revenue_source) then min(revenue_source)
            when count(revenue_source) > 0 then 'mixed'
        end as revenue_source

    from periods
    group by tenant_id, month

),

tenant_months as (

    select
        tenant_id,
        month
    from subscribed

    union

    select
        tenant_id,
        month
    from usage_by_tenant

    union

    select
        tenant_id,
        cast({{ dbt.date_trunc('month', 'month') }} as date) as month
    from product_mau

),

joined as (

    select
        tenant_months.tenant_id,
        tenant_months.month,
        subscribed.tenant_id is not null as has_subscription,
        coalesce(subscribed.plan_tier, usage_by_tenant.last_call_plan_tier, '(unknown)') as plan_tier,
        case
            when subscribed.plan_tier is not null then 'subscription'
            when usage_by_tenant.last_call_plan_tier is not null then 'calls'
            else 'unknown'
        end as plan_tier_source,
        subscribed.seats,
        coalesce(subscribed.prorated_seats, 0) as prorated_seats,
        subscribed.revenue_source,
        coalesce(subscribed.seat_revenue_usd, 0) as seat_revenue_usd,
        coalesce(subscribed.included_credits, 0) as included_credits,
        coalesce(usage_by_tenant.credits_used, 0) as credits_used,
        coalesce(usage_by_tenant.calls, 0) as calls,
        coalesce(usage_by_tenant.cost_usd, 0) as cost_usd,
        coalesce(usage_by_tenant.tokens, 0) as tokens

    from tenant_months
    left join subscribed
        on
            tenant_months.tenant_id = subscribed.tenant_id
            and tenant_months.month = subscribed.month
    left join usage_by_tenant
        on
            tenant_months.tenant_id = usage_by_tenant.tenant_id
            and tenant_months.month = usage_by_tenant.month

),

overage as (

    select
        joined.*,
        plan_catalog.price_per_seat_usd,
        case
            when joined.has_subscription and joined.credits_used > joined.included_credits
                then joined.credits_used - joined.included_credits
            else 0
        end as overage_credits,
        coalesce(plan_catalog.overage_price_per_credit_usd, 0) as overage_price_per_credit_usd

    from joined
    left join plan_catalog
        on joined.plan_tier = plan_catalog.plan_tier

),

final as (

    select
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(month as date) as month,
        cast(has_subscription as {{ dbt.type_boolean() }}) as has_subscription,
        cast(plan_tier as {{ dbt.type_string() }}) as plan_tier,
        cast(plan_tier_source as {{ dbt.type_string() }}) as plan_tier_source,
        cast(seats as {{ dbt.type_bigint() }}) as seats,
        cast(prorated_seats as {{ ratio_type() }}) as prorated_seats,
        cast(price_per_seat_usd as {{ money_type() }}) as price_per_seat_usd,
        cast(revenue_source as {{ dbt.type_string() }}) as revenue_source,
        cast(seat_revenue_usd as {{ money_type() }}) as seat_revenue_usd,
        cast(included_credits as {{ ratio_type() }}) as included_credits,
        cast(credits_used as {{ ratio_type() }}) as credits_used,
        cast(overage_credits as {{ ratio_type() }}) as overage_credits,
        cast(overage_price_per_credit_usd as {{ money_type() }}) as overage_price_per_credit_usd,
        cast(overage_credits * overage_price_per_credit_usd as {{ money_type() }}) as overage_revenue_usd,
        cast(
            seat_revenue_usd + cast(overage_credits * overage_price_per_credit_usd as {{ money_type() }})
            as {{ money_type() }}
        ) as revenue_usd,
        cast(calls as {{ dbt.type_bigint() }}) as calls,
        cast(cost_usd as {{ money_type() }}) as cost_usd,
        cast(tokens as {{ dbt.type_bigint() }}) as tokens

    from overage

)

select * from final
