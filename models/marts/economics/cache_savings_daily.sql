{#- One row per day, provider, model and feature of production traffic: tokens by type, what a
    cache-blind report would say (list_cost_usd: every input token at the base input price) against
    the cache-aware cost, the savings, the over-statement of the cache-blind report in percent, and the
    cache hit ratio. Unpriced calls count in calls and tokens, not in money. {{ doc("cache_rules") }}
    Incremental by day: a row depends on its day's calls only, so a run recomputes the days from the
    latest one loaded minus var('lookback_days') (never later than where fct_llm_calls starts). -#}
{{
    config(
        materialized='incremental',
        on_schema_change='append_new_columns',
        **incremental_by_day_config(
            day_column='call_date', unique_key=['call_date', 'provider', 'model', 'feature']
        )
    )
}}

with

calls as (

    select * from {{ ref('fct_llm_calls') }}
    {% if is_incremental() -%}
        where call_date >= {{ incremental_start_date('call_date') }}
    {%- endif %}

),

aggregated as (

    select
        call_date,
        provider,
        coalesce(price_model_id, model) as model,
        feature,
        count(*) as calls,
        sum(case when is_priced then 0 else 1 end) as unpriced_calls,
        sum(input_tokens_total) as input_tokens_total,
        sum(uncached_input_tokens) as uncached_input_tokens,
        sum(cache_read_tokens) as cache_read_tokens,
        sum(cache_write_5m_tokens) as cache_write_5m_tokens,
        sum(cache_write_1h_tokens) as cache_write_1h_tokens,
        sum(output_tokens) as output_tokens,
        sum(reasoning_tokens) as reasoning_tokens,
        coalesce(sum(list_cost_usd), 0) as list_cost_usd,
        coalesce(sum(cost_usd), 0) as cost_usd

    from calls
    where environment = '{{ var("unit_economics_environment") }}'
    group by call_date, provider, coalesce(price_model_id, model), feature

),

final as (

    select
        cast(call_date as date) as call_date,
        cast(provider as {{ dbt.type_string() }}) as provider,
        cast(model as {{ dbt.type_string() }}) as model,
        cast(feature as {{ dbt.type_string() }}) as feature,
        cast(calls as {{ dbt.type_bigint() }}) as calls,
        cast(unpriced_calls as {{ dbt.type_bigint() }}) as unpriced_calls,
        cast(input_tokens_total as {{ dbt.type_bigint() }}) as input_tokens_total,
        cast(uncached_input_tokens as {{ dbt.type_bigint() }}) as uncached_input_tokens,
        cast(cache_read_tokens as {{ dbt.type_bigint() }}) as cache_read_tokens,
        cast(cache_write_5m_tokens as {{ dbt.type_bigint() }}) as cache_write_5m_tokens,
        cast(cache_write_1h_tokens as {{ dbt.type_bigint() }}) as cache_write_1h_tokens,
        cast(output_tokens as {{ dbt.type_bigint() }}) as output_tokens,
        cast(reasoning_tokens as {{ dbt.type_bigint() }}) as reasoning_tokens,
        cast(list_cost_usd as {{ money_type() }}) as list_cost_usd,
        cast(cost_usd as {{ money_type() }}) as cost_usd,
        cast(list_cost_usd - cost_usd as {{ money_type() }}) as savings_usd,
        cast(
            {{ divide_decimal('(list_cost_usd - cost_usd) * 100', 'cost_usd') }} as {{ ratio_type() }}
        ) as over_report_pct,
        cast(
            {{ divide_decimal('cache_read_tokens', 'input_tokens_total', 0) }} as {{ ratio_type() }}
        ) as cache_hit_ratio

    from aggregated

)

select * from final
