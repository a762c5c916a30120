{#- One row per day and tenant: production AI spend against the tenant's daily cap (seats x the
    plan's daily_cap_per_seat_usd, or seeds/tenant_budget_overrides.csv), utilization and status.
    Days are those with production traffic; tenants are those subscribed on the day or spending on it.
    {{ doc("budget_rules") }}
    Incremental by day: a row depends on its day's calls and the subscriptions and overrides in force
    that day, so a run recomputes the days from the latest one loaded minus var('lookback_days');
    like fct_llm_calls (plan tiers), a back-dated subscription or override change to older days
    needs a full refresh. -#}
{{
    config(
        materialized='incremental',
        on_schema_change='append_new_columns',
        **incremental_by_day_config(day_column='alert_date', unique_key=['alert_date', 'tenant_id'])
    )
}}

with

calls as (

    select * from {{ ref('fct_llm_calls') }}
    {% if is_incremental() -%}
        where call_date >= {{ incremental_start_date('alert_date') }}
    {%- endif %}

),

subscriptions as (

    select * from {{ ref('int_subscriptions_resolved') }}

),

plan_catalog as (

    select * from {{ ref('plan_catalog') }}

),

budget_overrides as (

    select * from {{ ref('tenant_budget_overrides') }}

),

spend as (

    select
        call_date,
        tenant_id,
        count(*) as calls,
        coalesce(sum(cost_usd), 0) as spend_usd

    from calls
    where environment = '{{ var("unit_economics_environment") }}'
    group by call_date, tenant_id

),

days as (

    select distinct call_date from spend

),

subscribed as (

    select
        days.call_date,
        subscriptions.tenant_id

    from days
    inner join subscriptions
        on
            days.call_date >= subscriptions.valid_from
            and (
                subscriptions.effective_valid_to is null
                or days.call_date < subscriptions.effective_valid_to
            )

),

tenant_days as (

    select
        call_date,
        tenant_id
    from subscribed

    union

    select
        call_date,
        tenant_id
    from spend

),

with_plan as (

    select
        tenant_days.call_date,
        tenant_days.tenant_id,
        subscriptions.plan_tier,
        subscriptions.seats,
        plan_catalog.daily_cap_per_seat_usd

    from tenant_days
    left join subscriptions
        on
            tenant_days.tenant_id = subscriptions.tenant_id
            and tenant_days.call_date >= subscriptions.valid_from
            and (
                subscriptions.effective_valid_to is null
                or tenant_days.call_date < subscriptions.effective_valid_to
            )
    left join plan_catalog
        on subscriptions.plan_tier = plan_catalog.plan_tier

),

overrides_ranked as (

    select
        with_plan.call_date,
        with_plan.tenant_id,
        budget_overrides.daily_cap_usd,
        row_number() over (
            partition by with_plan.call_date, with_plan.tenant_id
            order by budget_overrides.valid_from desc
        ) as override_rank

    from with_plan
    inner join budget_overrides
        on
            with_plan.tenant_id = budget_overrides.tenant_id
            and with_plan.call_date >= budget_overrides.valid_from
            and (
                budget_overrides.valid_to is null
                or with_plan.call_date < budget_overrides.valid_to
            )

),

capped as (

    select
        with_plan.*,
        coalesce(spend.calls, 0) as calls,
        coalesce(spend.spend_usd, 0) as spend_usd,
        coalesce(
            overrides_ranked.daily_cap_usd,
            cast(with_plan.seats * with_plan.daily_cap_per_seat_usd as {{ money_type() }})
        ) as daily_cap_usd,
        case
            when overrides_ranked.daily_cap_usd is not null then 'override'
            when with_plan.seats is not null and with_plan.daily_cap_per_seat_usd is not null then 'plan'
        end as cap_source

    from with_plan
    left join spend
        on
            with_plan.call_date = spend.call_date
            and with_plan.tenant_id = spend.tenant_id
    left join overrides_ranked
        on
            with_plan.call_date = overrides_ranked.call_date
            and with_plan.tenant_id = overrides_ranked.tenant_id
            and overrides_ranked.override_rank = 1

),

final as (

    select
        cast(call_date as date) as alert_date,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(plan_tier as {{ dbt.type_string() }}) as plan_tier,
        cast(seats as {{ dbt.type_bigint() }}) as seats,
        cast(daily_cap_per_seat_usd as {{ money_type() }}) as daily_cap_per_seat_usd,
        cast(cap_source as {{ dbt.type_string() }}) as cap_source,
        cast(daily_cap_usd as {{ money_type() }}) as daily_cap_usd,
        cast(calls as {{ dbt.type_bigint() }}) as calls,
        cast(spend_usd as {{ money_type() }}) as spend_usd,
        cast({{ divide_decimal('spend_usd', 'daily_cap_usd') }} as {{ ratio_type() }}) as utilization,
        cast(
            case
                when daily_cap_usd is null then 'no_cap'
                when spend_usd = 0 then 'ok'
                when spend_usd > daily_cap_usd then 'breached'
                when spend_usd >= daily_cap_usd * cast({{ var('budget_burst_threshold') }} as {{ ratio_type() }})
                    then 'approaching'
                else 'ok'
            end as {{ dbt.type_string() }}
        ) as status

    from capped

)

select * from final
