{{ config(meta={'dagster': {'ref': {'name': 'reconciliation_token_drift_daily'}}}) }}

-- The token-type breakdown adds up to reconciliation_drift_daily for every day, provider and model:
-- the metered cost of the types (priced per type from the rate card) equals the calls' cost_usd, the
-- invoiced amounts of the types equal the invoiced total, and the metered tokens of each canonical
-- type agree. Exact decimal equality. Returns the rows that differ or exist on one side only.
with

breakdown as (

    select * from {{ ref('reconciliation_token_drift_daily') }}

),

daily as (

    select * from {{ ref('reconciliation_drift_daily') }}

),

breakdown_totals as (

    select
        usage_date,
        provider,
        model,
        sum(metered_cost_usd) as metered_cost_usd,
        sum(invoiced_cost_usd) as invoiced_total_usd,
        sum(case when token_type = 'uncached_input' then metered_quantity else 0 end) as metered_uncached_input_tokens,
        sum(case when token_type = 'cache_read' then metered_quantity else 0 end) as metered_cache_read_tokens,
        sum(case when token_type = 'cache_write_5m' then metered_quantity else 0 end) as metered_cache_write_5m_tokens,
        sum(case when token_type = 'cache_write_1h' then metered_quantity else 0 end) as metered_cache_write_1h_tokens,
        sum(case when token_type = 'output' then metered_quantity else 0 end) as metered_output_tokens

    from breakdown
    group by
        usage_date,
        provider,
        model

),

final as (

    select
        coalesce(daily.usage_date, breakdown_totals.usage_date) as usage_date,
        coalesce(daily.provider, breakdown_totals.provider) as provider,
        coalesce(daily.model, breakdown_totals.model) as model,
        daily.metered_cost_usd,
        breakdown_totals.metered_cost_usd as breakdown_metered_cost_usd,
        daily.invoiced_total_usd,
        breakdown_totals.invoiced_total_usd as breakdown_invoiced_total_usd

    from daily
    full outer join breakdown_totals
        on
            daily.usage_date = breakdown_totals.usage_date
            and daily.provider = breakdown_totals.provider
            and daily.model = breakdown_totals.model
    where
        daily.model is null
        or breakdown_totals.model is null
        or daily.metered_cost_usd != breakdown_totals.metered_cost_usd
        or daily.invoiced_total_usd != breakdown_totals.invoiced_total_usd
        or daily.metered_uncached_input_tokens != breakdown_totals.metered_uncached_input_tokens
        or daily.metered_cache_read_tokens != breakdown_totals.metered_cache_read_tokens
        or daily.metered_cache_write_5m_tokens != breakdown_totals.metered_cache_write_5m_tokens
        or daily.metered_cache_write_1h_tokens != breakdown_totals.metered_cache_write_1h_tokens
        or daily.metered_output_tokens != breakdown_totals.metered_output_tokens

)

select * from final
