{#- The metered side of reconciliation_drift_daily: the priced calls of every environment (providers
    bill staging too) per UTC day, provider and genai-prices model — calls, cost at the
    provider-facing prices (overrides applied) and tokens by type. A small table, so the daily mart,
    rebuilt whole because the invoices restate its statuses, does not re-read fct_llm_calls.
    Incremental by day: a row depends on its day's calls only, so a run recomputes the days from the
    latest one loaded minus var('lookback_days') (never later than where fct_llm_calls starts). -#}
{{
    config(
        materialized='incremental',
        on_schema_change='append_new_columns',
        **incremental_by_day_config(
            day_column='usage_date', unique_key=['usage_date', 'provider', 'model']
        )
    )
}}

with

calls as (

    select * from {{ ref('fct_llm_calls') }}
    {% if is_incremental() -%}
        where call_date >= {{ incremental_start_date('usage_date') }}
    {%- endif %}

),

aggregated as (

    select
        call_date as usage_date,
        provider,
        price_model_id as model,
        count(*) as metered_calls,
        sum(cost_usd) as metered_cost_usd,
        sum(uncached_input_tokens) as metered_uncached_input_tokens,
        sum(cache_read_tokens) as metered_cache_read_tokens,
        sum(cache_write_5m_tokens) as metered_cache_write_5m_tokens,
        sum(cache_write_1h_tokens) as metered_cache_write_1h_tokens,
        sum(output_tokens) as metered_output_tokens

    from calls
    where is_priced
    group by
        call_date,
        provider,
        price_model_id

),

final as (

    select
        cast(usage_date as date) as usage_date,
        provider,
        model,
        cast(metered_calls as {{ dbt.type_bigint() }}) as metered_calls,
        cast(metered_cost_usd as {{ money_type() }}) as metered_cost_usd,
        cast(metered_uncached_input_tokens as {{ dbt.type_bigint() }}) as metered_uncached_input_tokens,
        cast(metered_cache_read_tokens as {{ dbt.type_bigint() }}) as metered_cache_read_tokens,
        cast(metered_cache_write_5m_tokens as {{ dbt.type_bigint() }}) as metered_cache_write_5m_tokens,
        cast(metered_cache_write_1h_tokens as {{ dbt.type_bigint() }}) as metered_cache_write_1h_tokens,
        cast(metered_output_tokens as {{ dbt.type_bigint() }}) as metered_output_tokens

    from aggregated

)

select * from final
