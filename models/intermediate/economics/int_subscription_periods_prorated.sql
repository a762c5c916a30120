{#- One row per tenant, reporting month and subscription period in force on at least one day of the
    month: the days it was in force and what those days earn, pro-rated by days (a mid-month plan
    change splits the month between the two periods). Reporting months are the months with
    production calls or product MAU. {{ doc("revenue_model") }} -#}
with

subscriptions as (

    select * from {{ ref('int_subscriptions_resolved') }}

),

plan_catalog as (

    select * from {{ ref('plan_catalog') }}

),

calls as (

    select * from {{ ref('fct_llm_calls') }}
    where environment = '{{ var("unit_economics_environment") }}'

),

product_mau as (

    select * from {{ ref('stg_product__mau') }}

),

reporting_months as (

    select distinct cast({{ dbt.date_trunc('month', 'calls.call_date') }} as date) as month
    from calls

    union

    select distinct cast({{ dbt.date_trunc('month', 'product_mau.month') }} as date) as month
    from product_mau

),

months_bounded as (

    select
        month,
        cast({{ dbt.dateadd('month', 1, 'month') }} as date) as next_month

    from reporting_months

),

overlapping as (

    select
        subscriptions.tenant_id,
        months_bounded.month,
        months_bounded.next_month,
        subscriptions.valid_from,
        subscriptions.effective_valid_to,
        subscriptions.plan_tier,
        subscriptions.seats,
        subscriptions.monthly_revenue_usd,
        subscriptions.revenue_source,
        case
            when subscriptions.valid_from > months_bounded.month then subscriptions.valid_from
            else months_bounded.month
        end as period_start,
        case
            when
                subscriptions.effective_valid_to is null
                or subscriptions.effective_valid_to > months_bounded.next_month
                then months_bounded.next_month
            else subscriptions.effective_valid_to
        end as period_end

    from subscriptions
    inner join months_bounded
        on
            subscriptions.valid_from < months_bounded.next_month
            and (
                subscriptions.effective_valid_to is null
                or subscriptions.effective_valid_to > months_bounded.month
            )

),

measured as (

    select
        overlapping.*,
        {{ dbt.datediff('overlapping.period_start', 'overlapping.period_end', 'day') }}
            as days_in_force,
        {{ dbt.datediff('overlapping.month', 'overlapping.next_month', 'day') }}
            as days_in_month,
        coalesce(plan_catalog.included_credits_per_seat, 0) as included_credits_per_seat

    from overlapping
    left join plan_catalog
        on overlapping.plan_tier = plan_catalog.plan_tier
    where overlapping.period_end > overlapping.period_start

),

final as (

    select
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(month as date) as month,
        cast(valid_from as date) as valid_from,
        cast(plan_tier as {{ dbt.type_string() }}) as plan_tier,
        cast(seats as {{ dbt.type_bigint() }}) as seats,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(days_in_force as {{ dbt.type_int() }}) as days_in_force,
        cast(days_in_month as {{ dbt.type_int() }}) as days_in_month,
        cast(revenue_source as {{ dbt.type_string() }}) as revenue_source,
        cast(monthly_revenue_usd as {{ money_type() }}) as monthly_revenue_usd,
        {{ divide_decimal('seats * days_in_force', 'days_in_month', 0) }} as prorated_seats,
        coalesce(
            {{ divide_decimal('monthly_revenue_usd * days_in_force', 'days_in_month', 0) }},
            cast(0 as {{ money_type() }})
        ) as seat_revenue_usd,
        {{ divide_decimal('seats * included_credits_per_seat * days_in_force', 'days_in_month', 0) }}
            as included_credits,
        row_number() over (
            partition by tenant_id, month
            order by period_start desc, valid_from desc
        ) = 1 as is_month_end_period

    from measured

)

select * from final
