-- No call is counted twice: a call_id appears once in fct_llm_calls, whatever the number of sources
-- and files that carried it. Returns the duplicated ids.
with

calls as (

    select * from {{ ref('fct_llm_calls') }}

),

final as (

    select
        call_id,
        count(*) as n_rows

    from calls
    group by call_id
    having count(*) > 1

)

select * from final
