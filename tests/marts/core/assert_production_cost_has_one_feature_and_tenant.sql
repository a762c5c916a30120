-- Every production dollar lands in exactly one feature and one tenant: no priced production call
-- lacks either ('(untagged)' is a bucket, not a gap), and the feature x tenant breakdown sums back to
-- the production total exactly. Returns the offending calls, or a totals row when the sums differ.
-- On the nightly run, the reprocessed days (in_reprocessed_window).
with

calls as (

    select * from {{ ref('fct_llm_calls') }}
    where
        environment = '{{ var("unit_economics_environment") }}'
        and {{ in_reprocessed_window('call_date') }}

),

unattributed as (

    select
        call_id,
        feature,
        tenant_id,
        cost_usd,
        cast(null as {{ money_type() }}) as breakdown_cost_usd

    from calls
    where
        cost_usd is not null
        and (
            feature is null or tenant_id is null
            or trim(feature) = '' or trim(tenant_id) = ''
        )

),

by_feature_and_tenant as (

    select
        feature,
        tenant_id,
        sum(cost_usd) as cost_usd

    from calls
    group by feature, tenant_id

),

breakdown_total as (

    select coalesce(sum(cost_usd), 0) as cost_usd
    from by_feature_and_tenant

),

production_total as (

    select coalesce(sum(cost_usd), 0) as cost_usd
    from calls

),

mismatch as (

    select
        cast(null as {{ dbt.type_string() }}) as call_id,
        cast(null as {{ dbt.type_string() }}) as feature,
        cast(null as {{ dbt.type_string() }}) as tenant_id,
        production_total.cost_usd,
        breakdown_total.cost_usd as breakdown_cost_usd

    from production_total
    cross join breakdown_total
    where production_total.cost_usd != breakdown_total.cost_usd

),

final as (

    select * from unattributed
    union all
    select * from mismatch

)

select * from final
