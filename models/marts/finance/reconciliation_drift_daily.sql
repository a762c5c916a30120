{#- What we metered against what the providers invoiced, per UTC day, provider and genai-prices
    model. Metered: the priced calls of fct_llm_calls of every environment (providers bill staging
    too), at the provider-facing prices (overrides applied). Invoiced: the token charges of
    int_invoice_lines_unioned (plus unmapped charges); non-token charges (web search...) are shown
    beside the drift, not in it. Reported tokens come from the providers' usage reports (FOCUS billed
    quantities for Bedrock). Statuses: reconciliation_status; docs: reconciliation_rules.
    A full rebuild (every row carries its provider's latest invoiced day, which a new invoice moves),
    but the metered side comes from the small incremental int_metered_calls_aggregated, not the fact. -#}
with

metered as (

    select * from {{ ref('int_metered_calls_aggregated') }}

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
        count(*) as invoice_lines,
        sum(case when charge_kind != 'non_token' then 1 else 0 end) as invoice_token_lines,
        sum(case when charge_kind != 'non_token' then amount_usd else 0 end) as invoiced_cost_usd,
        sum(case when charge_kind = 'non_token' then amount_usd else 0 end) as invoiced_non_token_usd,
        min(case when is_model_mapped then 1 else 0 end) as all_lines_mapped

    from invoice_lines
    group by
        usage_date,
        provider,
        model

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
        sum(case when quantity_unit = 'tokens' then 1 else 0 end) as usage_token_rows,
        sum(case when quantity_unit = 'tokens' and token_type = 'uncached_input' then quantity else 0 end)
            as reported_uncached_input_tokens,
        sum(case when quantity_unit = 'tokens' and token_type = 'cache_read' then quantity else 0 end)
            as reported_cache_read_tokens,
        sum(case when quantity_unit = 'tokens' and token_type = 'cache_write_5m' then quantity else 0 end)
            as reported_cache_write_5m_tokens,
        sum(case when quantity_unit = 'tokens' and token_type = 'cache_write_1h' then quantity else 0 end)
            as reported_cache_write_1h_tokens,
        sum(case when quantity_unit = 'tokens' and token_type = 'output' then quantity else 0 end)
            as reported_output_tokens,
        min(case when is_model_mapped then 1 else 0 end) as all_rows_mapped

    from provider_usage
    group by
        usage_date,
        provider,
        model

),

row_keys as (

    select
        usage_date,
        provider,
        model
    from metered

    union

    select
        usage_date,
        provider,
        model
    from invoiced

    union

    select
        usage_date,
        provider,
        model
    from reported

),

joined as (

    select
        row_keys.usage_date,
        row_keys.provider,
        row_keys.model,
        coalesce(metered.metered_calls, 0) as metered_calls,
        coalesce(metered.metered_cost_usd, 0) as metered_cost_usd,
        coalesce(invoiced.invoiced_cost_usd, 0) as invoiced_cost_usd,
        coalesce(invoiced.invoiced_non_token_usd, 0) as invoiced_non_token_usd,
        coalesce(invoiced.invoice_lines, 0) as invoice_lines,
        coalesce(invoiced.invoice_token_lines, 0) as invoice_token_lines,
        coalesce(reported.usage_token_rows, 0) > 0 as has_usage_report,
        coalesce(invoiced.all_lines_mapped, 1) = 1 and coalesce(reported.all_rows_mapped, 1) = 1
            as is_model_mapped,
        coalesce(
            latest_invoice_by_provider.latest_invoice_date, latest_invoice_overall.latest_invoice_date
        ) as latest_invoice_date,
        coalesce(metered.metered_uncached_input_tokens, 0) as metered_uncached_input_tokens,
        case when coalesce(reported.usage_token_rows, 0) > 0 then reported.reported_uncached_input_tokens end
            as reported_uncached_input_tokens,
        coalesce(metered.metered_cache_read_tokens, 0) as metered_cache_read_tokens,
        case when coalesce(reported.usage_token_rows, 0) > 0 then reported.reported_cache_read_tokens end
            as reported_cache_read_tokens,
        coalesce(metered.metered_cache_write_5m_tokens, 0) as metered_cache_write_5m_tokens,
        case when coalesce(reported.usage_token_rows, 0) > 0 then reported.reported_cache_write_5m_tokens end
            as reported_cache_write_5m_tokens,
        coalesce(metered.metered_cache_write_1h_tokens, 0) as metered_cache_write_1h_tokens,
        case when coalesce(reported.usage_token_rows, 0) > 0 then reported.reported_cache_write_1h_tokens end
            as reported_cache_write_1h_tokens,
        coalesce(metered.metered_output_tokens, 0) as metered_output_tokens,
        case when coalesce(reported.usage_token_rows, 0) > 0 then reported.reported_output_tokens end
            as reported_output_tokens

    from row_keys
    left join metered
        on
            row_keys.usage_date = metered.usage_date
            and row_keys.provider = metered.provider
            and row_keys.model = metered.model
    left join invoiced
        on
            row_keys.usage_date = invoiced.usage_date
            and row_keys.provider = invoiced.provider
            and row_keys.model = invoiced.model
    left join reported
        on
            row_keys.usage_date = reported.usage_date
            and row_keys.provider = reported.provider
            and row_keys.model = reported.model
    left join latest_invoice_by_provider
        on row_keys.provider = latest_invoice_by_provider.provider
    cross join latest_invoice_overall

),

measured as (

    select
        *,
        invoiced_cost_usd - metered_cost_usd as drift_usd,
        metered_calls > 0 as has_metering,
        invoice_token_lines > 0 or (metered_calls > 0 and metered_cost_usd = 0) as has_invoice,
        metered_calls = 0 and invoice_token_lines = 0 and not has_usage_report as is_non_token_only

    from joined

),

final as (

    select
        cast(usage_date as date) as usage_date,
        cast(provider as {{ dbt.type_string() }}) as provider,
        cast(model as {{ dbt.type_string() }}) as model,
        cast(
            case
                when is_non_token_only then 'not_metered'
                else {{ reconciliation_status(
                    'has_metering', 'has_invoice', 'drift_usd', 'invoiced_cost_usd',
                    'usage_date', 'latest_invoice_date') | indent(16) }}
            end as {{ dbt.type_string() }}
        ) as status,
        cast(metered_calls as {{ dbt.type_bigint() }}) as metered_calls,
        cast(metered_cost_usd as {{ money_type() }}) as metered_cost_usd,
        cast(invoiced_cost_usd as {{ money_type() }}) as invoiced_cost_usd,
        cast(invoiced_non_token_usd as {{ money_type() }}) as invoiced_non_token_usd,
        cast(invoiced_cost_usd + invoiced_non_token_usd as {{ money_type() }}) as invoiced_total_usd,
        cast(drift_usd as {{ money_type() }}) as drift_usd,
        {{ percent_of('drift_usd', 'invoiced_cost_usd') }} as drift_pct,
        cast(invoice_lines as {{ dbt.type_bigint() }}) as invoice_lines,
        cast(latest_invoice_date as date) as latest_invoice_date,
        cast(is_model_mapped as {{ dbt.type_boolean() }}) as is_model_mapped,
        cast(has_usage_report as {{ dbt.type_boolean() }}) as has_usage_report,
        cast(
            case
                when has_usage_report
                    then
                        metered_uncached_input_tokens = reported_uncached_input_tokens
                        and metered_cache_read_tokens = reported_cache_read_tokens
                        and metered_cache_write_5m_tokens = reported_cache_write_5m_tokens
                        and metered_cache_write_1h_tokens = reported_cache_write_1h_tokens
                        and metered_output_tokens = reported_output_tokens
            end as {{ dbt.type_boolean() }}
        ) as tokens_match,
        cast(metered_uncached_input_tokens as {{ dbt.type_bigint() }}) as metered_uncached_input_tokens,
        cast(reported_uncached_input_tokens as {{ dbt.type_bigint() }}) as reported_uncached_input_tokens,
        cast(metered_cache_read_tokens as {{ dbt.type_bigint() }}) as metered_cache_read_tokens,
        cast(reported_cache_read_tokens as {{ dbt.type_bigint() }}) as reported_cache_read_tokens,
        cast(metered_cache_write_5m_tokens as {{ dbt.type_bigint() }}) as metered_cache_write_5m_tokens,
        cast(reported_cache_write_5m_tokens as {{ dbt.type_bigint() }}) as reported_cache_write_5m_tokens,
        cast(metered_cache_write_1h_tokens as {{ dbt.type_bigint() }}) as metered_cache_write_1h_tokens,
        cast(reported_cache_write_1h_tokens as {{ dbt.type_bigint() }}) as reported_cache_write_1h_tokens,
        cast(metered_output_tokens as {{ dbt.type_bigint() }}) as metered_output_tokens,
        cast(reported_output_tokens as {{ dbt.type_bigint() }}) as reported_output_tokens

    from measured

)

select * from final
