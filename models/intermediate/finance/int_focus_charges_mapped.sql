{#- FOCUS AI charge rows mapped to a provider, genai-prices model and token type through
    seeds/focus_sku_map.csv: the usage key (x_UsageType, else ChargeDescription) is matched
    case-insensitively against each LIKE pattern, and the longest matching pattern wins. A row no
    pattern matches is kept (is_mapped = false, token type 'unmapped', model = the usage key,
    provider = ProviderName in lower case) so that it surfaces as unmetered spend. -#}
with

charges as (

    select * from {{ ref('stg_focus__charges') }}

),

sku_map as (

    select * from {{ ref('focus_sku_map') }}

),

candidates as (

    select
        charges.*,
        sku_map.usage_type_pattern as matched_pattern,
        sku_map.provider_id as mapped_provider_id,
        sku_map.model_id as mapped_model_id,
        sku_map.token_type as mapped_token_type,
        row_number() over (
            partition by charges.source_file, charges.source_row
            order by {{ dbt.length('sku_map.usage_type_pattern') }} desc, sku_map.usage_type_pattern asc
        ) as match_rank

    from charges
    left join sku_map
        on lower(charges.usage_key) like lower(sku_map.usage_type_pattern)

),

final as (

    select
        usage_date,
        coalesce(mapped_provider_id, lower(provider_name), 'unknown') as provider,
        usage_key as invoice_model,
        coalesce(mapped_model_id, usage_key, '(unknown)') as model,
        mapped_model_id is not null as is_mapped,
        coalesce(mapped_token_type, 'unmapped') as token_type,
        matched_pattern,
        service_name,
        charge_category,
        charge_class,
        sub_account_id,
        billed_cost_usd,
        effective_cost_usd,
        list_cost_usd,
        contracted_cost_usd,
        consumed_quantity,
        consumed_unit,
        resource_id,
        source_file,
        source_row,
        loaded_at

    from candidates
    where match_rank = 1

)

select * from final
