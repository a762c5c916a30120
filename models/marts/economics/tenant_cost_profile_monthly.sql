{#- One row per month and tenant ('(untagged)' included, so cost sums to fct_llm_calls' production
    cost exactly): the plan, the hybrid revenue, production cost and tokens, gross margin, shares of
    the month's cost and tokens, the cost rank and the cumulative cost share in rank order (the Pareto
    curve), and month-over-month cost growth. {{ doc("revenue_model") }} -#}
with

tenant_months as (

    select * from {{ ref('int_tenant_months_billed') }}

),

month_totals as (

    select
        month,
        sum(cost_usd) as month_cost_usd,
        sum(tokens) as month_tokens

    from tenant_months
    group by month

),

ranked as (

    select
        tenant_months.*,
        month_totals.month_cost_usd,
        month_totals.month_tokens,
        row_number() over (
            partition by tenant_months.month
            order by tenant_months.cost_usd desc, tenant_months.tenant_id asc
        ) as cost_rank

    from tenant_months
    inner join month_totals
        on tenant_months.month = month_totals.month

),

cumulated as (

    select
        *,
        sum(cost_usd) over (
            partition by month
            order by cost_rank
            rows between unbounded preceding and current row
        ) as cumulative_cost_usd

    from ranked

),

with_previous as (

    select
        cumulated.*,
        previous_month.cost_usd as previous_cost_usd

    from cumulated
    left join tenant_months as previous_month
        on
            cumulated.tenant_id = previous_month.tenant_id
            and cumulated.month = cast({{ dbt.dateadd('month', 1, 'previous_month.month') }} as date)

),

final as (

    select
        cast(month as date) as month,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
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
        cast(overage_revenue_usd as {{ money_type() }}) as overage_revenue_usd,
        cast(revenue_usd as {{ money_type() }}) as revenue_usd,
        cast(calls as {{ dbt.type_bigint() }}) as calls,
        cast(tokens as {{ dbt.type_bigint() }}) as tokens,
        cast(cost_usd as {{ money_type() }}) as cost_usd,
        cast(revenue_usd - cost_usd as {{ money_type() }}) as gross_margin_usd,
        cast(
            {{ divide_decimal('(revenue_usd - cost_usd) * 100', 'revenue_usd') }} as {{ ratio_type() }}
        ) as gross_margin_pct,
        cast({{ divide_decimal('cost_usd', 'month_cost_usd') }} as {{ ratio_type() }}) as cost_share,
        cast({{ divide_decimal('tokens', 'month_tokens', 0) }} as {{ ratio_type() }}) as token_share,
        cast(cost_rank as {{ dbt.type_int() }}) as cost_rank,
        cast(cumulative_cost_usd as {{ money_type() }}) as cumulative_cost_usd,
        cast(
            {{ divide_decimal('cumulative_cost_usd', 'month_cost_usd') }} as {{ ratio_type() }}
        ) as cumulative_cost_share,
        cast(previous_cost_usd as {{ money_type() }}) as previous_month_cost_usd,
        cast(
            {{ divide_decimal('(cost_usd - previous_cost_usd) * 100', 'previous_cost_usd') }}
            as {{ ratio_type() }}
        ) as cost_mom_growth_pct

    from with_previous

)

select * from final
