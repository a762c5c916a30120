{#- Metered usage and cost per UTC day, provider, genai-prices model and token type, for the priced
    calls of every environment (unpriced calls have no metered cost; data quality counts them).
    Calls are first summed per set of applicable prices (day, model, tier, validity period, override),
    then each token type's part of the cost is priced once per set with llm_call_cost_part — the same
    leaf decomposition as llm_call_cost, so the parts add up to the calls' cost_usd exactly
    (tests/intermediate/finance). 'requests' (per-request fees) appears only for models that have one.
    Reads the written fct_llm_calls (the applied prices are on it), not the pricing view.
    Incremental by day: a row depends on its day's calls only, so a run recomputes the days from the
    latest one loaded minus var('lookback_days') (never later than where fct_llm_calls starts). -#}
{{
    config(
        materialized='incremental',
        on_schema_change='append_new_columns',
        **incremental_by_day_config(
            day_column='usage_date', unique_key=['usage_date', 'provider', 'model', 'token_type']
        )
    )
}}

{%- set price_columns = [
    'price_input_mtok', 'price_cache_read_mtok', 'price_cache_write_mtok', 'price_cache_write_1h_mtok',
    'price_output_mtok', 'price_output_reasoning_mtok', 'price_requests_kcount',
] -%}
{%- set token_types = [
    ('uncached_input', 'uncached_input_tokens', 'tokens'),
    ('cache_read', 'cache_read_tokens', 'tokens'),
    ('cache_write_5m', 'cache_write_5m_tokens', 'tokens'),
    ('cache_write_1h', 'cache_write_1h_tokens', 'tokens'),
    ('output', 'output_tokens', 'tokens'),
    ('requests', 'calls', 'requests'),
] -%}

with

calls as (

    select * from {{ ref('fct_llm_calls') }}
    {% if is_incremental() -%}
        where call_date >= {{ incremental_start_date('usage_date') }}
    {%- endif %}

),

price_sets as (

    select
        call_date as usage_date,
        provider,
        price_model_id as model,
        {{ price_columns | join(',\n        ') }},
        count(*) as calls,
        sum(uncached_input_tokens) as uncached_input_tokens,
        sum(cache_read_tokens) as cache_read_tokens,
        sum(cache_write_5m_tokens) as cache_write_5m_tokens,
        sum(cache_write_1h_tokens) as cache_write_1h_tokens,
        sum(output_tokens) as output_tokens,
        sum(reasoning_tokens) as reasoning_tokens

    from calls
    where is_priced
    group by
        call_date,
        provider,
        price_model_id,
        {{ price_columns | join(',\n        ') }}

),

parts as (

    {% for token_type, quantity, unit in token_types -%}
    select
        usage_date,
        provider,
        model,
        '{{ token_type }}' as token_type,
        '{{ unit }}' as quantity_unit,
        calls,
        {{ quantity }} as metered_quantity,
        {{ llm_call_cost_part(token_type, price_prefix='price_', requests='calls') }} as metered_cost

    from price_sets
    {%- if token_type == 'requests' %}
    where price_requests_kcount is not null
    {%- endif %}
    {%- if not loop.last %}

    union all

    {% endif -%}
    {%- endfor %}

),

final as (

    select
        usage_date,
        provider,
        model,
        token_type,
        quantity_unit,
        cast(sum(metered_quantity) as {{ dbt.type_bigint() }}) as metered_quantity,
        cast(sum(metered_cost) as {{ money_type() }}) as metered_cost_usd

    from parts
    group by
        usage_date,
        provider,
        model,
        token_type,
        quantity_unit
    having sum(metered_quantity) != 0 or sum(metered_cost) != 0

)

select * from final
