{#- OpenAI Costs API results, one row per (day bucket, line item, project). The line item is
    '<model>, <charge type>' (e.g. 'gpt-4o-2024-08-06, cached input'); the charge type is normalized
    to the canonical token types ('input' is uncached input, 'cached input' a cache read). Other charge
    types (audio, web search tool calls...) keep their own name, spaces as underscores; a line without
    a charge type is 'unmapped'. Dollars. -#}
with

source as (

    select * from {{ source('openai', 'openai_costs') }}

),

split as (

    select
        *,
        case
            when line_item like '%, %'
                then nullif(trim({{ dbt.split_part('line_item', "', '", 1) }}), '')
        end as invoice_model,
        lower(trim(
            case
                when line_item like '%, %' then {{ dbt.split_part('line_item', "', '", 2) }}
                else line_item
            end
        )) as line_item_type

    from source

),

final as (

    select
        cast(bucket_start_time as date) as usage_date,
        bucket_start_time,
        bucket_end_time,
        line_item,
        invoice_model,
        line_item_type,
        case
            when line_item_type = 'input' then 'uncached_input'
            when line_item_type = 'cached input' then 'cache_read'
            when line_item_type = 'output' then 'output'
            when line_item_type is null or line_item_type = '' then 'unmapped'
            else replace(line_item_type, ' ', '_')
        end as token_type,
        nullif(trim(project_id), '') as project_id,
        cast(amount_value as {{ money_type() }}) as amount_usd,
        upper(amount_currency) as currency,
        _source_file as source_file,
        _source_row as source_row,
        _loaded_at as loaded_at

    from split

)

select * from final
