{#- What the providers report they served, one row per usage record and token type (zero quantities
    left out): the OpenAI completions usage and Anthropic messages usage reports in the canonical
    token types (plus audio tokens and web searches, which we do not meter), and, for FOCUS billing
    exports (Bedrock), the billed token quantities of each charge row. Models map like invoices:
    raw.model_map for OpenAI and Anthropic, seeds/focus_sku_map.csv for FOCUS. -#}
{%- set openai_measures = [
    ('uncached_input_tokens', 'uncached_input', 'tokens'),
    ('cache_read_tokens', 'cache_read', 'tokens'),
    ('cache_write_5m_tokens', 'cache_write_5m', 'tokens'),
    ('cache_write_1h_tokens', 'cache_write_1h', 'tokens'),
    ('output_tokens', 'output', 'tokens'),
    ('input_audio_tokens', 'audio_input', 'tokens'),
    ('output_audio_tokens', 'audio_output', 'tokens'),
] -%}
{%- set anthropic_measures = [
    ('uncached_input_tokens', 'uncached_input', 'tokens'),
    ('cache_read_tokens', 'cache_read', 'tokens'),
    ('cache_write_5m_tokens', 'cache_write_5m', 'tokens'),
    ('cache_write_1h_tokens', 'cache_write_1h', 'tokens'),
    ('output_tokens', 'output', 'tokens'),
    ('web_search_requests', 'web_search', 'requests'),
] -%}
{%- set usage_columns = [
    'usage_source', 'provider', 'usage_model', 'model', 'is_model_mapped', 'token_type', 'quantity',
    'quantity_unit', 'usage_date', 'billing_scope_id', 'source_file', 'source_row', 'loaded_at',
] -%}

with

openai_usage as (

    select * from {{ ref('stg_openai__usage') }}

),

anthropic_usage as (

    select * from {{ ref('stg_anthropic__usage') }}

),

focus_charges as (

    select * from {{ ref('int_focus_charges_mapped') }}

),

model_map as (

    select * from {{ ref('stg_genai_prices__model_map') }}

),

openai_mapped as (

    select
        openai_usage.*,
        coalesce(model_map.provider_id, 'openai') as provider,
        coalesce(model_map.model_id, openai_usage.usage_model, '(unknown)') as model,
        coalesce(model_map.is_matched, false) as is_model_mapped

    from openai_usage
    left join model_map
        on
            model_map.observed_provider = 'openai'
            and openai_usage.usage_model = model_map.observed_model

),

anthropic_mapped as (

    select
        anthropic_usage.*,
        coalesce(model_map.provider_id, 'anthropic') as provider,
        coalesce(model_map.model_id, anthropic_usage.usage_model, '(unknown)') as model,
        coalesce(model_map.is_matched, false) as is_model_mapped

    from anthropic_usage
    left join model_map
        on
            model_map.observed_provider = 'anthropic'
            and anthropic_usage.usage_model = model_map.observed_model

),

openai_rows as (

    {% for column, token_type, unit in openai_measures -%}
    select
        'openai_usage' as usage_source,
        provider,
        usage_model,
        model,
        is_model_mapped,
        '{{ token_type }}' as token_type,
        cast({{ column }} as {{ dbt.type_bigint() }}) as quantity,
        '{{ unit }}' as quantity_unit,
        usage_date,
        project_id as billing_scope_id,
        source_file,
        source_row,
        loaded_at

    from openai_mapped
    where {{ column }} != 0
    {%- if not loop.last %}

    union all

    {% endif -%}
    {%- endfor %}

),

anthropic_rows as (

    {% for column, token_type, unit in anthropic_measures -%}
    select
        'anthropic_usage' as usage_source,
        provider,
        usage_model,
        model,
        is_model_mapped,
        '{{ token_type }}' as token_type,
        cast({{ column }} as {{ dbt.type_bigint() }}) as quantity,
        '{{ unit }}' as quantity_unit,
        usage_date,
        workspace_id as billing_scope_id,
        source_file,
        source_row,
        loaded_at

    from anthropic_mapped
    where {{ column }} != 0
    {%- if not loop.last %}

    union all

    {% endif -%}
    {%- endfor %}

),

focus_rows as (

    select
        'focus' as usage_source,
        provider,
        invoice_model as usage_model,
        model,
        is_mapped as is_model_mapped,
        token_type,
        cast(consumed_quantity as {{ dbt.type_bigint() }}) as quantity,
        'tokens' as quantity_unit,
        usage_date,
        sub_account_id as billing_scope_id,
        source_file,
        source_row,
        loaded_at

    from focus_charges
    where
        lower(consumed_unit) like '%token%'
        and consumed_quantity != 0

),

final as (

    {{ union_all_columns(['openai_rows', 'anthropic_rows', 'focus_rows'], usage_columns) }}

)

select * from final
