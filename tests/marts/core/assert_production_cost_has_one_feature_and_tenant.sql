-- Every production dollar lands in exactly one feature and one tenant: no priced production call
-- lacks either ('(untagged)' is a bucket, not a gap). A call row carries one feature and one tenant,
-- so a breakdown by them sums back to the production total by construction (exact DECIMAL sums); the
-- test only needs the calls that would fall outside every bucket. Returns them.
-- On the nightly run, the reprocessed days (in_reprocessed_window).
with

calls as (

    select * from {{ ref('fct_llm_calls') }}
    where
        environment = '{{ var("unit_economics_environment") }}'
        and {{ in_reprocessed_window('call_date') }}

),

final as (

    select
        call_id,
        feature,
        tenant_id,
        cost_usd

    from calls
    where
        cost_usd is not null
        and (
            feature is null or tenant_id is null
            or trim(feature) = '' or trim(tenant_id) = ''
        )

)

select * from final
