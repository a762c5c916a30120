{#- The calls' side of data_quality_daily, per call day and source (every environment): calls,
    duplicates merged across sources, unpriced calls and their tokens, untagged calls and their cost.
    A small table, so the daily mart, rebuilt whole because re-landed files change its load-day rows,
    does not re-read fct_llm_calls. {{ doc("data_quality_rules") }}
    Incremental by day: a row depends on its day's calls only, so a run recomputes the days from the
    latest one loaded minus var('lookback_days') (never later than where fct_llm_calls starts). -#}
{{
    config(
        materialized='incremental',
        on_schema_change='append_new_columns',
        **incremental_by_day_config(
            day_column='call_date', unique_key=['call_date', 'source']
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
        source,
        count(*) as calls,
        sum(source_record_count - 1) as duplicate_call_records_merged,
        sum(case when is_priced then 0 else 1 end) as unpriced_calls,
        sum(case when is_priced then 0 else input_tokens_total + output_tokens end) as unpriced_tokens,
        sum(case when feature = '(untagged)' or tenant_id = '(untagged)' then 1 else 0 end) as untagged_calls,
        coalesce(sum(case when feature = '(untagged)' or tenant_id = '(untagged)' then cost_usd end), 0)
            as untagged_cost_usd,
        coalesce(sum(cost_usd), 0) as cost_usd

    from calls
    group by
        call_date,
        source

),

final as (

    select
        cast(call_date as date) as call_date,
        source,
        cast(calls as {{ dbt.type_bigint() }}) as calls,
        cast(duplicate_call_records_merged as {{ dbt.type_bigint() }}) as duplicate_call_records_merged,
        cast(unpriced_calls as {{ dbt.type_bigint() }}) as unpriced_calls,
        cast(unpriced_tokens as {{ dbt.type_bigint() }}) as unpriced_tokens,
        cast(untagged_calls as {{ dbt.type_bigint() }}) as untagged_calls,
        cast(untagged_cost_usd as {{ money_type() }}) as untagged_cost_usd,
        cast(cost_usd as {{ money_type() }}) as cost_usd

    from aggregated

)

select * from final
