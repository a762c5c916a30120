{{ config(meta={'dagster': {'ref': {'name': 'feature_unit_economics_monthly'}}}) }}
-- Revenue conservation: the revenue allocated to features sums to each tenant's monthly revenue
-- exactly (rounding remainders included), and the features' allocated revenue in
-- feature_unit_economics_monthly sums to the tenants' revenue in tenant_cost_profile_monthly per
-- month. Returns the offending tenant-months (and months, with tenant_id null).
with

allocations as (

    select * from {{ ref('int_feature_revenue_allocated') }}

),

tenant_months as (

    select * from {{ ref('tenant_cost_profile_monthly') }}

),

feature_months as (

    select * from {{ ref('feature_unit_economics_monthly') }}

),

allocated_by_tenant as (

    select
        tenant_id,
        month,
        sum(allocated_revenue_usd) as allocated_revenue_usd

    from allocations
    group by tenant_id, month

),

tenant_mismatches as (

    select
        coalesce(tenant_months.month, allocated_by_tenant.month) as month,
        coalesce(tenant_months.tenant_id, allocated_by_tenant.tenant_id) as tenant_id,
        tenant_months.revenue_usd,
        allocated_by_tenant.allocated_revenue_usd

    from tenant_months
    full outer join allocated_by_tenant
        on
            tenant_months.tenant_id = allocated_by_tenant.tenant_id
            and tenant_months.month = allocated_by_tenant.month
    where coalesce(tenant_months.revenue_usd, 0) != coalesce(allocated_by_tenant.allocated_revenue_usd, 0)

),

tenant_revenue_by_month as (

    select
        month,
        sum(revenue_usd) as revenue_usd

    from tenant_months
    group by month

),

feature_revenue_by_month as (

    select
        month,
        sum(allocated_revenue_usd) as allocated_revenue_usd

    from feature_months
    group by month

),

month_mismatches as (

    select
        coalesce(tenant_revenue_by_month.month, feature_revenue_by_month.month) as month,
        cast(null as {{ dbt.type_string() }}) as tenant_id,
        tenant_revenue_by_month.revenue_usd,
        feature_revenue_by_month.allocated_revenue_usd

    from tenant_revenue_by_month
    full outer join feature_revenue_by_month
        on tenant_revenue_by_month.month = feature_revenue_by_month.month
    where
        coalesce(tenant_revenue_by_month.revenue_usd, 0)
        != coalesce(feature_revenue_by_month.allocated_revenue_usd, 0)

),

final as (

    select * from tenant_mismatches
    union all
    select * from month_mismatches

)

select * from final
