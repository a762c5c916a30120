{#- FOCUS charge rows of AI services, renamed and cast. The usage key that seeds/focus_sku_map.csv
    patterns are matched against is x_UsageType when the export carries it, else ChargeDescription
    (AWS repeats the usage type there). BilledCost is what the provider invoices; ListCost,
    EffectiveCost and ContractedCost are kept beside it. -#}
with

source as (

    select * from {{ source('focus', 'focus_charges') }}

),

final as (

    select
        cast(charge_period_start as date) as usage_date,
        charge_period_start,
        charge_period_end,
        billing_period_start,
        billing_period_end,
        billing_account_id,
        nullif(trim(sub_account_id), '') as sub_account_id,
        nullif(trim(provider_name), '') as provider_name,
        nullif(trim(publisher_name), '') as publisher_name,
        nullif(trim(invoice_issuer_name), '') as invoice_issuer_name,
        nullif(trim(service_category), '') as service_category,
        nullif(trim(service_name), '') as service_name,
        nullif(trim(charge_category), '') as charge_category,
        nullif(trim(charge_class), '') as charge_class,
        nullif(trim(charge_description), '') as charge_description,
        nullif(trim(usage_type), '') as usage_type,
        coalesce(nullif(trim(usage_type), ''), nullif(trim(charge_description), '')) as usage_key,
        upper(billing_currency) as currency,
        cast(billed_cost as {{ money_type() }}) as billed_cost_usd,
        cast(effective_cost as {{ money_type() }}) as effective_cost_usd,
        cast(list_cost as {{ money_type() }}) as list_cost_usd,
        cast(contracted_cost as {{ money_type() }}) as contracted_cost_usd,
        consumed_quantity,
        nullif(trim(consumed_unit), '') as consumed_unit,
        pricing_quantity,
        nullif(trim(pricing_unit), '') as pricing_unit,
        cast(list_unit_price as {{ price_type() }}) as list_unit_price,
        nullif(trim(region_id), '') as region_id,
        nullif(trim(resource_id), '') as resource_id,
        nullif(trim(sku_id), '') as sku_id,
        nullif(trim(sku_price_id), '') as sku_price_id,
        tags,
        _source_file as source_file,
        _source_row as source_row,
        _loaded_at as loaded_at

    from source

)

select * from final
