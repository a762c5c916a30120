{#- Plan periods per tenant that never overlap (a period ends at the latest when the tenant's next
    period starts), with the monthly revenue resolved: the contracted amount when the export carries
    one, else seats x the plan's price per seat (seeds/plan_catalog.csv). -#}
with

subscriptions as (

    select * from {{ ref('stg_product__subscriptions') }}

),

plan_catalog as (

    select * from {{ ref('plan_catalog') }}

),

sequenced as (

    select
        *,
        lead(valid_from) over (partition by tenant_id order by valid_from) as next_valid_from

    from subscriptions

),

final as (

    select
        sequenced.tenant_id,
        sequenced.plan_tier,
        sequenced.seats,
        sequenced.valid_from,
        sequenced.valid_to,
        case
            when sequenced.next_valid_from is null then sequenced.valid_to
            when sequenced.valid_to is null then sequenced.next_valid_from
            when sequenced.next_valid_from < sequenced.valid_to then sequenced.next_valid_from
            else sequenced.valid_to
        end as effective_valid_to,
        plan_catalog.price_per_seat_usd,
        cast(
            coalesce(
                sequenced.monthly_revenue_usd,
                sequenced.seats * plan_catalog.price_per_seat_usd
            ) as {{ money_type() }}
        ) as monthly_revenue_usd,
        case
            when sequenced.monthly_revenue_usd is not null then 'contract'
            when plan_catalog.price_per_seat_usd is not null then 'plan_catalog'
        end as revenue_source

    from sequenced
    left join plan_catalog
        on sequenced.plan_tier = plan_catalog.plan_tier

)

select * from final
