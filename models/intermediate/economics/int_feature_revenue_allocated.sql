{#- A tenant's monthly revenue allocated to its features, one row per tenant, month, plan tier and
    feature that receives revenue. The revenue is first split by the plan tier that earned it (the
    seat revenue of each subscription period, the overage on the month-end tier), then each slice is
    allocated by var('revenue_allocation_rule') with exact decimal rounding: every feature gets its
    share rounded to 1e-12 USD and the feature with the largest weight (then the first feature id)
    takes the rounding remainder, so the rows sum to the tenant's revenue exactly.
    {{ doc("revenue_allocation_rule") }} -#}
with

periods as (

    select * from {{ ref('int_subscription_periods_prorated') }}

),

tenant_months as (

    select * from {{ ref('int_tenant_months_billed') }}

),

tenant_features as (

    select * from {{ ref('int_tenant_feature_months_joined') }}

),

seat_revenue_by_tier as (

    select
        tenant_id,
        month,
        plan_tier,
        sum(seat_revenue_usd) as seat_revenue_usd

    from periods
    group by tenant_id, month, plan_tier

),

revenue_slices as (

    select
        seat_revenue_by_tier.tenant_id,
        seat_revenue_by_tier.month,
        seat_revenue_by_tier.plan_tier,
        seat_revenue_by_tier.seat_revenue_usd
        + case
            when seat_revenue_by_tier.plan_tier = tenant_months.plan_tier then tenant_months.overage_revenue_usd
            else 0
        end as revenue_usd

    from seat_revenue_by_tier
    inner join tenant_months
        on
            seat_revenue_by_tier.tenant_id = tenant_months.tenant_id
            and seat_revenue_by_tier.month = tenant_months.month

),

feature_weights as (

    select
        tenant_id,
        month,
        feature,
        {{ revenue_allocation_weight() }} as rule_weight,
        {{ revenue_allocation_weight('cost') }} as cost_weight

    from tenant_features

),

weight_totals as (

    select
        tenant_id,
        month,
        sum(rule_weight) as rule_weight,
        sum(cost_weight) as cost_weight

    from feature_weights
    group by tenant_id, month

),

slices_based as (

    select
        revenue_slices.*,
        case
            when weight_totals.rule_weight > 0 then '{{ var("revenue_allocation_rule") }}'
            when weight_totals.cost_weight > 0 then 'cost_fallback'
            else 'untagged_fallback'
        end as allocation_basis

    from revenue_slices
    left join weight_totals
        on
            revenue_slices.tenant_id = weight_totals.tenant_id
            and revenue_slices.month = weight_totals.month

),

weighted as (

    select
        slices_based.tenant_id,
        slices_based.month,
        slices_based.plan_tier,
        slices_based.revenue_usd,
        slices_based.allocation_basis,
        feature_weights.feature,
        case
            when slices_based.allocation_basis = 'cost_fallback' then feature_weights.cost_weight
            else feature_weights.rule_weight
        end as weight

    from slices_based
    inner join feature_weights
        on
            slices_based.tenant_id = feature_weights.tenant_id
            and slices_based.month = feature_weights.month
    where slices_based.allocation_basis != 'untagged_fallback'

    union all

    select
        tenant_id,
        month,
        plan_tier,
        revenue_usd,
        allocation_basis,
        '(untagged)' as feature,
        cast(1 as decimal(38, 0)) as weight

    from slices_based
    where allocation_basis = 'untagged_fallback'

),

ranked as (

    select
        *,
        sum(weight) over (partition by tenant_id, month, plan_tier) as slice_weight,
        row_number() over (
            partition by tenant_id, month, plan_tier
            order by weight desc, feature asc
        ) as weight_rank

    from weighted
    where weight > 0

),

rounded as (

    select
        *,
        {{ divide_decimal('revenue_usd * weight', 'slice_weight', 0) }} as rounded_revenue_usd

    from ranked

),

final as (

    select
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(month as date) as month,
        cast(plan_tier as {{ dbt.type_string() }}) as plan_tier,
        cast(feature as {{ dbt.type_string() }}) as feature,
        cast(allocation_basis as {{ dbt.type_string() }}) as allocation_basis,
        cast(weight as decimal(38, 0)) as allocation_weight,
        cast(slice_weight as decimal(38, 0)) as slice_weight,
        cast(revenue_usd as {{ money_type() }}) as slice_revenue_usd,
        cast(weight_rank = 1 as {{ dbt.type_boolean() }}) as takes_rounding_remainder,
        cast(
            case
                when weight_rank = 1
                    then
                        revenue_usd
                        - (
                            sum(rounded_revenue_usd) over (partition by tenant_id, month, plan_tier)
                            - rounded_revenue_usd
                        )
                else rounded_revenue_usd
            end as {{ money_type() }}
        ) as allocated_revenue_usd

    from rounded

)

select * from final
