{#- Gateway drift: for the calls that came through LiteLLM (fct_llm_calls.gateway_spend_usd is
    set), LiteLLM's own spend against our cost_usd for the same calls, per UTC day, provider and
    model. LiteLLM does not know negotiated discounts and misprices some cache tokens, so this shows
    how far a gateway-only view would be off. Calls we could not price are counted apart (their
    gateway spend is not in the drift). Status ok / warn / breach with the reconciliation thresholds,
    relative to our cost. Incremental by day: a row depends on its day's calls only (no invoices),
    so a run recomputes the days from the latest one loaded minus var('lookback_days'). -#}
{{
    config(
        materialized='incremental',
        on_schema_change='append_new_columns',
        **incremental_by_day_config(day_column='usage_date', unique_key=['usage_date', 'provider', 'model'])
    )
}}

with

calls as (

    select * from {{ ref('fct_llm_calls') }}
    {% if is_incremental() -%}
        where call_date >= {{ incremental_start_date('usage_date') }}
    {%- endif %}

),

gateway_calls as (

    select
        call_date as usage_date,
        provider,
        coalesce(price_model_id, price_model_ref, model, '(unknown)') as model,
        is_priced,
        cost_usd,
        gateway_spend_usd,
        cache_read_tokens,
        cache_write_5m_tokens + cache_write_1h_tokens as cache_write_tokens

    from calls
    where gateway_spend_usd is not null

),

aggregated as (

    select
        usage_date,
        provider,
        model,
        count(*) as gateway_calls,
        sum(case when is_priced then 1 else 0 end) as priced_calls,
        sum(case when is_priced then cost_usd else 0 end) as metered_cost_usd,
        sum(case when is_priced then gateway_spend_usd else 0 end) as gateway_spend_usd,
        sum(case when is_priced then 0 else gateway_spend_usd end) as unpriced_gateway_spend_usd,
        sum(case when is_priced then cache_read_tokens else 0 end) as cache_read_tokens,
        sum(case when is_priced then cache_write_tokens else 0 end) as cache_write_tokens

    from gateway_calls
    group by
        usage_date,
        provider,
        model

),

final as (

    select
        cast(usage_date as date) as usage_date,
        cast(provider as {{ dbt.type_string() }}) as provider,
        cast(model as {{ dbt.type_string() }}) as model,
        cast(
            case
                when priced_calls = 0 then 'unpriced'
                when gateway_spend_usd = metered_cost_usd then 'ok'
                when
                    abs(gateway_spend_usd - metered_cost_usd)
                    >= abs(metered_cost_usd) * {{ var('drift_breach_pct') }} * 0.01
                    then 'breach'
                when
                    abs(gateway_spend_usd - metered_cost_usd)
                    >= abs(metered_cost_usd) * {{ var('drift_warn_pct') }} * 0.01
                    then 'warn'
                else 'ok'
            end as {{ dbt.type_string() }}
        ) as status,
        cast(gateway_calls as {{ dbt.type_bigint() }}) as gateway_calls,
        cast(priced_calls as {{ dbt.type_bigint() }}) as priced_calls,
        cast(metered_cost_usd as {{ money_type() }}) as metered_cost_usd,
        cast(gateway_spend_usd as {{ money_type() }}) as gateway_spend_usd,
        cast(gateway_spend_usd - metered_cost_usd as {{ money_type() }}) as drift_usd,
        {{ percent_of('gateway_spend_usd - metered_cost_usd', 'metered_cost_usd') }} as drift_pct,
        cast(unpriced_gateway_spend_usd as {{ money_type() }}) as unpriced_gateway_spend_usd,
        cast(cache_read_tokens as {{ dbt.type_bigint() }}) as cache_read_tokens,
        cast(cache_write_tokens as {{ dbt.type_bigint() }}) as cache_write_tokens

    from aggregated

)

select * from final
