{#- The token-type breakdown of reconciliation_drift_daily: per UTC day, provider, genai-prices model
    and token type, the metered quantity and cost (int_metered_token_costs_aggregated, priced calls of
    every environment), the invoiced amount of that type, and the quantity the provider reported
    (usage reports; FOCUS billed quantities). Non-token charge types (web_search...) have their own
    rows, status 'not_metered'. Statuses: reconciliation_status; docs: reconciliation_rules. -#}
with

metered as (

    select * from {{ ref('int_metered_token_costs_aggregated') }}

),

invoice_lines as (

    select * from {{ ref('int_invoice_lines_unioned') }}

),

provider_usage as (

    select * from {{ ref('int_provider_usage_unioned') }}

),

invoiced as (

    select
        usage_date,
        provider,
        model,
        token_type,
        count(*) as invoice_lines,
        sum(amount_usd) as invoiced_cost_usd

    from invoice_lines
    group by
        usage_date,
        provider,
        model,
        token_type

),

latest_invoice_by_provider as (

    select
        provider,
        max(usage_date) as latest_invoice_date

    from invoice_lines
    group by provider

),

latest_invoice_overall as (

    select max(usage_date) as latest_invoice_date

    from invoice_lines

),

reported as (

    select
        usage_date,
        provider,
        model,
        token_type,
        max(quantity_unit) as quantity_unit,
        sum(quantity) as reported_quantity

    from provider_usage
    group by
        usage_date,
        provider,
        model,
        token_type

),

row_keys as (

    select
        usage_date,
        provider,
        model,
        token_type
    from metered

    union

    select
        usage_date,
        provider,
        model,
        token_type
    from invoiced

    union

    select
        usage_date,
        provider,
        model,
        token_type
    from reported

),

joined as (

    select
        row_keys.usage_date,
        row_keys.provider,
        row_keys.model,
        row_keys.token_type,
        coalesce(
            metered.quantity_unit,
            reported.quantity_unit,
            case when {{ invoice_charge_kind('row_keys.token_type') }} = 'token' then 'tokens' end
        ) as quantity_unit,
        row_keys.token_type in (
            'uncached_input', 'cache_read', 'cache_write_5m', 'cache_write_1h', 'output', 'requests'
        ) as is_metered_type,
        metered.model is not null as has_metering,
        coalesce(metered.metered_quantity, 0) as metered_quantity,
        reported.reported_quantity,
        coalesce(metered.metered_cost_usd, 0) as metered_cost_usd,
        coalesce(invoiced.invoiced_cost_usd, 0) as invoiced_cost_usd,
        coalesce(invoiced.invoice_lines, 0) as invoice_lines,
        coalesce(
            latest_invoice_by_provider.latest_invoice_date, latest_invoice_overall.latest_invoice_date
        ) as latest_invoice_date

    from row_keys
    left join metered
        on
            row_keys.usage_date = metered.usage_date
            and row_keys.provider = metered.provider
            and row_keys.model = metered.model
            and row_keys.token_type = metered.token_type
    left join invoiced
        on
            row_keys.usage_date = invoiced.usage_date
            and row_keys.provider = invoiced.provider
            and row_keys.model = invoiced.model
            and row_keys.token_type = invoiced.token_type
    left join reported
        on
            row_keys.usage_date = reported.usage_date
            and row_keys.provider = reported.provider
            and row_keys.model = reported.model
            and row_keys.token_type = reported.token_type
    left join latest_invoice_by_provider
        on row_keys.provider = latest_invoice_by_provider.provider
    cross join latest_invoice_overall

),

measured as (

    select
        *,
        invoiced_cost_usd - metered_cost_usd as drift_usd,
        invoice_lines > 0 or (has_metering and metered_cost_usd = 0) as has_invoice

    from joined

),

final as (

    select
        cast(usage_date as date) as usage_date,
        cast(provider as {{ dbt.type_string() }}) as provider,
        cast(model as {{ dbt.type_string() }}) as model,
        cast(token_type as {{ dbt.type_string() }}) as token_type,
        cast(
            case
                when not is_metered_type and token_type != 'unmapped' then 'not_metered'
                else {{ reconciliation_status(
                    'has_metering', 'has_invoice', 'drift_usd', 'invoiced_cost_usd',
                    'usage_date', 'latest_invoice_date') | indent(16) }}
            end as {{ dbt.type_string() }}
        ) as status,
        cast(is_metered_type as {{ dbt.type_boolean() }}) as is_metered_type,
        cast(quantity_unit as {{ dbt.type_string() }}) as quantity_unit,
        cast(metered_quantity as {{ dbt.type_bigint() }}) as metered_quantity,
        cast(reported_quantity as {{ dbt.type_bigint() }}) as reported_quantity,
        cast(reported_quantity - metered_quantity as {{ dbt.type_bigint() }}) as quantity_drift,
        cast(metered_cost_usd as {{ money_type() }}) as metered_cost_usd,
        cast(invoiced_cost_usd as {{ money_type() }}) as invoiced_cost_usd,
        cast(drift_usd as {{ money_type() }}) as drift_usd,
        {{ percent_of('drift_usd', 'invoiced_cost_usd') }} as drift_pct,
        cast(invoice_lines as {{ dbt.type_bigint() }}) as invoice_lines,
        cast(latest_invoice_date as date) as latest_invoice_date

    from measured

)

select * from final
