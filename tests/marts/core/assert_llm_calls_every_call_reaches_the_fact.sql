{{ config(meta={'dagster': {'ref': {'name': 'fct_llm_calls'}}}) }}

-- Nothing silently dropped between the sources and the fact: every distinct call_id of the source
-- records is in fct_llm_calls, and no other. (After an incremental run this also fails when a late
-- file touched a day older than the look-back: run with --full-refresh.)
with

source_calls as (

    select distinct call_id from {{ ref('int_llm_calls_unioned') }}

),

fact_calls as (

    select call_id from {{ ref('fct_llm_calls') }}

),

missing_from_fact as (

    select
        source_calls.call_id,
        'missing_from_fact' as problem

    from source_calls
    left join fact_calls
        on source_calls.call_id = fact_calls.call_id
    where fact_calls.call_id is null

),

not_in_sources as (

    select
        fact_calls.call_id,
        'not_in_sources' as problem

    from fact_calls
    left join source_calls
        on fact_calls.call_id = source_calls.call_id
    where source_calls.call_id is null

),

final as (

    select * from missing_from_fact
    union all
    select * from not_in_sources

)

select * from final
