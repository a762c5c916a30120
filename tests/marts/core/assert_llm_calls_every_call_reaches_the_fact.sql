{{ config(meta={'dagster': {'ref': {'name': 'fct_llm_calls'}}}) }}

{#- On the nightly run (reprocessed_window_start() is a date): the source records of the window, plus
    every record loaded after the last build (loaded_at later than any record the fact kept before
    the window: a late file older than the look-back is not reprocessed, and must still be reported),
    against the fact's window; a source call the window does not have is then looked up in the fact
    before the window (a late twin of an older call is there). Otherwise every record and every call
    (the fact before the window is then empty). -#}
{%- set window_start = reprocessed_window_start() -%}
{%- set fact_in_window = in_reprocessed_window('call_date') | trim -%}
{%- set loaded_after = "cast('1900-01-01' as timestamp)" -%}
{%- if window_start is not none and execute -%}
    {%- set previous_load = run_query(
        "select max(loaded_at) from " ~ ref('fct_llm_calls')
        ~ " where call_date < " ~ window_start
    ).columns[0].values()[0] -%}
    {%- if previous_load is not none -%}
        {%- set loaded_after = "cast('" ~ previous_load ~ "' as timestamp)" -%}
    {%- endif -%}
{%- endif -%}

-- Nothing silently dropped between the sources and the fact: every call_id of the source records is
-- in fct_llm_calls, and no other. (After an incremental run this also fails when a late file touched a
-- day older than the look-back: run with --full-refresh.) One full outer join of the key columns
-- answers both directions in one pass (a left join each way over a distinct of the sources cost twice
-- as much at 10M calls); a call_id repeated by several source records matches the fact's one row, so
-- only the failing rows are made distinct. The nightly run joins the window's rows only (the fact's
-- day clustering prunes the rest) and reads the fact before the window only for the few source calls
-- left unmatched: none on a clean night, and the engine then stops that scan at once.
with

source_calls as (

    select call_id from {{ ref('int_llm_calls_unioned') }}
    {%- if window_start is not none %}
        where started_at >= {{ window_start }} or loaded_at > {{ loaded_after }}
    {%- endif %}

),

fact_calls as (

    select call_id from {{ ref('fct_llm_calls') }}
    where {{ fact_in_window }}

),

fact_calls_before_window as (

    select call_id from {{ ref('fct_llm_calls') }}
    where not coalesce({{ fact_in_window }}, false)

),

unmatched as (

    select
        coalesce(source_calls.call_id, fact_calls.call_id) as call_id,
        fact_calls.call_id is null as is_missing_from_fact

    from source_calls
    full outer join fact_calls
        on source_calls.call_id = fact_calls.call_id
    where
        fact_calls.call_id is null
        or source_calls.call_id is null

),

final as (

    select distinct
        unmatched.call_id,
        case
            when unmatched.is_missing_from_fact then 'missing_from_fact'
            else 'not_in_sources'
        end as problem

    from unmatched
    left join fact_calls_before_window
        on
            unmatched.is_missing_from_fact
            and unmatched.call_id = fact_calls_before_window.call_id
    where fact_calls_before_window.call_id is null

)

select * from final
