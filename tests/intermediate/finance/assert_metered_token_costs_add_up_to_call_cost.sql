{{ config(meta={'dagster': {'ref': {'name': 'int_metered_token_costs_aggregated'}}}) }}

-- The per-token-type split of the metered cost (llm_call_cost_part) restates the leaf decomposition
-- of llm_call_cost: for every day, provider and model, the parts add up to the priced calls'
-- cost_usd exactly. Returns the day-provider-models where they do not (or exist on one side only).
with

calls as (

    select * from {{ ref('fct_llm_calls') }}

),

parts as (

    select * from {{ ref('int_metered_token_costs_aggregated') }}

),

call_totals as (

    select
        call_date as usage_date,
        provider,
        price_model_id as model,
        sum(cost_usd) as cost_usd

    from calls
    where is_priced
    group by
        call_date,
        provider,
        price_model_id

),

part_totals as (

    select
        usage_date,
        provider,
        model,
        sum(metered_cost_usd) as cost_usd

    from parts
    group by
        usage_date,
        provider,
        model

),

final as (

    select
        coalesce(call_totals.usage_date, part_totals.usage_date) as usage_date,
        coalesce(call_totals.provider, part_totals.provider) as provider,
        coalesce(call_totals.model, part_totals.model) as model,
        call_totals.cost_usd as call_cost_usd,
        part_totals.cost_usd as part_cost_usd

    from call_totals
    full outer join part_totals
        on
            call_totals.usage_date = part_totals.usage_date
            and call_totals.provider = part_totals.provider
            and call_totals.model = part_totals.model
    where coalesce(call_totals.cost_usd, 0) != coalesce(part_totals.cost_usd, 0)

)

select * from final
