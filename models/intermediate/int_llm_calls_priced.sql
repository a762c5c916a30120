{{ config(materialized='view') }}

{#- Deduplicated calls with their price: the mapped genai-prices model, the rate-card row in force at
    started_at (time-of-day window, cliff tier on total input tokens), the overrides of
    seeds/price_overrides.csv, and cost_usd / list_cost_usd from the llm_call_cost macro.
    Unpriced calls are kept (is_priced = false, null costs). Pricing needs only the provider, the
    models, started_at and the tokens, so it comes before attribution (fct_llm_calls reads this view
    and attributes): the price of a call never waits on the trace-root join. A view: fct_llm_calls is
    the one table the priced calls are written to (and filters the days of an incremental run).
    Exact pricing, fast: a call whose prices all fit fast_price_type() (at most 6 decimals per million
    tokens, 9 per thousand requests, multiplier included) is priced in that type, exact at money scale
    with no rounding cast; any other call (genai-prices has prices such as 1/12 or 0.18000000000000002)
    takes the price_type() path, which rounds its exact sum to money once (as every call did before).
    The applied prices (overrides and fast-type checks included) are computed once per rate-card row and
    override in price_book (a few thousand rows) and joined to each call by key: per call only the joins
    and the cost arithmetic remain (computed per call, they were about a third of the fact's compute).
    The per-call rate-card and override joins match one integer (price_model_key, numbering the model
    map's priced models) and compare plain bounds (the open ends are closed in those small tables):
    on two string keys and with ORs, the rate-card join alone was a third of the pricing query's CPU. -#}
{%- set mtok_keys = [
    'input_mtok', 'cache_read_mtok', 'cache_write_mtok', 'cache_write_1h_mtok',
    'output_mtok', 'output_reasoning_mtok',
] -%}
{%- set overridable_keys = [
    'input_mtok', 'output_mtok', 'cache_read_mtok', 'cache_write_mtok', 'cache_write_1h_mtok',
] -%}
{%- set mtok_scale = fast_price_scale(1000000) | trim -%}
{%- set kcount_scale = fast_price_scale(1000) | trim -%}
{#- Closed ends for the open ranges of the rate card and the overrides (no call is outside them). -#}
{%- set open_end_timestamp = "cast('9999-12-31 00:00:00' as " ~ dbt.type_timestamp() ~ ")" -%}
{%- set lowest_bigint = 'cast(-9223372036854775808 as ' ~ dbt.type_bigint() ~ ')' -%}
{%- set highest_bigint = 'cast(9223372036854775807 as ' ~ dbt.type_bigint() ~ ')' -%}

with

calls as (

    select * from {{ ref('int_llm_calls_deduplicated') }}

),

model_map as (

    select * from {{ ref('stg_genai_prices__model_map') }}

),

rate_card as (

    select
        *,
        {%- for key in mtok_keys %}
        cast({{ key }} as {{ fast_price_type(1000000) }}) as fast_list_{{ key }},
        {%- endfor %}
        cast(requests_kcount as {{ fast_price_type(1000) }}) as fast_list_requests_kcount,
        greatest(
            {%- for key in mtok_keys %}
            {{ decimal_places(key, mtok_scale) }}{{ ',' if not loop.last }}
            {%- endfor %}
        ) as mtok_price_decimals,
        {{ decimal_places('requests_kcount', kcount_scale) }} as kcount_price_decimals

    from {{ ref('stg_genai_prices__rate_card') }}

),

price_overrides as (

    select
        *,
        {%- for key in overridable_keys %}
        cast({{ key }} as {{ fast_price_type(1000000) }}) as fast_{{ key }},
        {%- endfor %}
        greatest(
            {%- for key in overridable_keys %}
            {{ decimal_places(key, mtok_scale) }}{{ ',' if not loop.last }}
            {%- endfor %}
        ) as explicit_price_decimals,
        {{ decimal_places('price_multiplier', mtok_scale) }} as multiplier_decimals

    from {{ ref('price_overrides') }}

),

model_map_keyed as (

    -- an integer key per priced model of the model map (lookup provider, price provider, model): the
    -- per-call rate-card and override joins match on it instead of on two strings each
    select
        *,
        case
            when is_matched
                then dense_rank() over (
                    partition by is_matched
                    order by provider_id, price_provider_id, model_id
                )
        end as price_model_key

    from model_map

),

price_model_keys as (

    select distinct
        provider_id,
        price_provider_id,
        model_id,
        price_model_key

    from model_map_keyed
    where price_model_key is not null

),

mapped as (

    select
        calls.*,
        coalesce(calls.response_model, calls.model) as price_model_ref,
        calls.uncached_input_tokens
        + calls.cache_read_tokens
        + calls.cache_write_5m_tokens
        + calls.cache_write_1h_tokens as input_tokens_total,
        {{ seconds_since_midnight('calls.started_at') }} as second_of_day,
        model_map.provider_id as price_lookup_provider_id,
        model_map.price_provider_id,
        model_map.model_id as price_model_id,
        model_map.price_model_key,
        coalesce(model_map.is_matched, false) as is_model_matched

    from calls
    left join model_map_keyed as model_map
        on
            coalesce(calls.provider, '') = model_map.observed_provider
            and coalesce(calls.response_model, calls.model) = model_map.observed_model

),

rate_card_keyed as (

    -- a key per rate-card row (its unique combination), for the price book
    select
        *,
        row_number() over (
            order by price_provider_id, model_id, valid_from, tod_start_second, tier_index
        ) as rate_key

    from rate_card

),

price_overrides_keyed as (

    -- a key per override row (0 means none), for the price book
    select
        *,
        row_number() over (
            order by
                provider_id, model_id, valid_from, valid_to, price_multiplier,
                input_mtok, output_mtok, cache_read_mtok, cache_write_mtok, cache_write_1h_mtok
        ) as override_key

    from price_overrides

),

rate_card_by_model_key as (

    -- the rate-card rows of the model map's priced models, by price_model_key (the same row once per
    -- lookup provider that prices at it)
    select
        price_model_keys.price_model_key,
        rate_card_keyed.rate_key,
        rate_card_keyed.tier_index,
        rate_card_keyed.valid_from,
        rate_card_keyed.tod_start_second,
        rate_card_keyed.tod_end_second,
        -- the open ends closed here, so that the per-call join compares without an OR
        coalesce(rate_card_keyed.valid_to, {{ open_end_timestamp }}) as valid_until,
        case
            when rate_card_keyed.tier_start_tokens = 0 then {{ lowest_bigint }}
            else rate_card_keyed.tier_start_tokens
        end as tier_above_tokens,
        coalesce(rate_card_keyed.tier_end_tokens, {{ highest_bigint }}) as tier_through_tokens

    from rate_card_keyed
    inner join price_model_keys
        on
            rate_card_keyed.price_provider_id = price_model_keys.price_provider_id
            and rate_card_keyed.model_id = price_model_keys.model_id

),

price_overrides_by_model_key as (

    select
        price_model_keys.price_model_key,
        price_overrides_keyed.override_key,
        cast(price_overrides_keyed.valid_from as {{ dbt.type_timestamp() }}) as valid_from,
        coalesce(
            cast(price_overrides_keyed.valid_to as {{ dbt.type_timestamp() }}), {{ open_end_timestamp }}
        ) as valid_until

    from price_overrides_keyed
    inner join price_model_keys
        on
            price_overrides_keyed.provider_id = price_model_keys.provider_id
            and price_overrides_keyed.model_id = price_model_keys.model_id

),

override_choices as (

    -- no override, or one of the overrides
    select 0 as override_key

    union all

    select override_key from price_overrides_keyed

),

price_book as (

    {#- Each rate-card row alone and with each override of its model (the call's provider and time pick
        the override, see overridden), with the applied prices computed here, once per row of this small
        table and not once per call: in the fast types for the fast path, and as price_type() for the
        output (the fast ones widened where they are exact, no rounding cast). -#}
    {%- set o = 'price_overrides_keyed' %}
    {%- set is_fast -%}
        coalesce(
            rate_card_keyed.mtok_price_decimals + coalesce({{ o }}.multiplier_decimals, 0) <= {{ mtok_scale }}
            and rate_card_keyed.kcount_price_decimals + coalesce({{ o }}.multiplier_decimals, 0) <= {{ kcount_scale }}
            and coalesce({{ o }}.explicit_price_decimals, 0) <= {{ mtok_scale }},
            false
        )
    {%- endset %}
    select
        {%- for key in mtok_keys + ['requests_kcount'] %}
        {{ fast_effective_price(key, overrides_relation=o, overridable=key in overridable_keys) }}
            as fast_price_{{ key }},
        {{ effective_price(key, list_price_prefix='rate_card_keyed.', overrides_relation=o,
            overridable=key in overridable_keys, fast_when=is_fast) }}
            as price_{{ key }},
        {%- endfor %}
        rate_card_keyed.rate_key,
        override_choices.override_key,
        {{ o }}.model_id is not null as has_price_override,
        -- whether the effective prices fit the fast types (a multiplier with m decimals adds up to m
        -- decimals to a price)
        {{ is_fast }} as is_fast_priced

    from rate_card_keyed
    cross join override_choices
    left join {{ o }}
        on override_choices.override_key = {{ o }}.override_key
    where
        override_choices.override_key = 0
        or {{ o }}.model_id = rate_card_keyed.model_id

),

rated as (

    select
        mapped.*,
        rate_card_by_model_key.rate_key,
        rate_card_by_model_key.tier_index,
        rate_card_by_model_key.valid_from as price_valid_from,
        rate_card_by_model_key.rate_key is not null as has_rate

    from mapped
    left join rate_card_by_model_key
        on
            mapped.price_model_key = rate_card_by_model_key.price_model_key
            and mapped.started_at >= rate_card_by_model_key.valid_from
            and mapped.started_at < rate_card_by_model_key.valid_until
            and mapped.second_of_day >= rate_card_by_model_key.tod_start_second
            and mapped.second_of_day < rate_card_by_model_key.tod_end_second
            and mapped.input_tokens_total > rate_card_by_model_key.tier_above_tokens
            and mapped.input_tokens_total <= rate_card_by_model_key.tier_through_tokens

),

overridden as (

    select
        rated.*,
        coalesce(price_overrides_by_model_key.override_key, 0) as override_key

    from rated
    left join price_overrides_by_model_key
        on
            rated.has_rate
            and rated.price_model_key = price_overrides_by_model_key.price_model_key
            and rated.started_at >= price_overrides_by_model_key.valid_from
            and rated.started_at < price_overrides_by_model_key.valid_until

),

effective as (

    select
        {%- for key in mtok_keys + ['requests_kcount'] %}
        price_book.fast_price_{{ key }},
        price_book.price_{{ key }},
        {%- endfor %}
        overridden.*,
        coalesce(price_book.has_price_override, false) as has_price_override,
        coalesce(price_book.is_fast_priced, false) as is_fast_priced

    from overridden
    left join price_book
        on
            overridden.rate_key = price_book.rate_key
            and overridden.override_key = price_book.override_key

),

final as (

    select
        call_id,
        trace_id,
        parent_call_id,
        source,
        source_file,
        source_row,
        source_record_count,
        has_conflicting_records,
        loaded_at,
        started_at,
        ended_at,
        call_date,
        latency_ms,
        environment,
        provider as provider_observed,
        coalesce(price_lookup_provider_id, lower(provider)) as provider,
        model,
        response_model,
        operation,
        price_model_ref,
        price_model_id,
        price_provider_id,
        feature,
        tenant_id,
        user_id,
        session_id,
        plan_tier,
        attempt,
        status,
        input_includes_cache,
        reported_input_tokens,
        uncached_input_tokens,
        cache_read_tokens,
        cache_write_5m_tokens,
        cache_write_1h_tokens,
        output_tokens,
        reasoning_tokens,
        input_tokens_total,
        tier_index,
        price_valid_from,
        has_price_override,
        price_input_mtok,
        price_cache_read_mtok,
        price_cache_write_mtok,
        price_cache_write_1h_mtok,
        price_output_mtok,
        price_output_reasoning_mtok,
        price_requests_kcount,
        has_rate as is_priced,
        case
            when not is_model_matched then 'model_unmatched'
            when not has_rate then 'no_price_in_force'
        end as unpriced_reason,
        case
            when is_fast_priced then {{ llm_call_cost(price_prefix='fast_price_', fast=true) }}
            when has_rate then {{ llm_call_cost(price_prefix='price_') }}
        end as cost_usd,
        case
            when is_fast_priced then {{ llm_call_cost(price_prefix='fast_price_', cache_blind=true, fast=true) }}
            when has_rate then {{ llm_call_cost(price_prefix='price_', cache_blind=true) }}
        end as list_cost_usd,
        gateway_spend_usd

    from effective

)

select * from final
