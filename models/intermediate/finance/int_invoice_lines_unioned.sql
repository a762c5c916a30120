{#- Every invoice line of every provider in one shape: provider (genai-prices provider id), the
    invoice's model string and the genai-prices model id it maps to, the canonical token type (or the
    line's own charge type) and its kind (invoice_charge_kind: token / unmapped / non_token), the UTC
    usage date and the amount in USD as decimal(38, 12).
    OpenAI and Anthropic model strings map through raw.model_map (genai-prices' own matching, the
    same map calls are priced with); FOCUS rows map through seeds/focus_sku_map.csv
    (int_focus_charges_mapped). A line whose model does not map keeps its invoice string as model. -#}
{%- set union_columns = [
    'invoice_source', 'provider', 'invoice_model', 'model', 'is_model_mapped', 'charge_type', 'token_type',
    'usage_date', 'amount_usd', 'list_cost_usd', 'effective_cost_usd', 'quantity', 'quantity_unit',
    'billing_scope_id', 'source_file', 'source_row', 'loaded_at',
] -%}

with

openai_costs as (

    select * from {{ ref('stg_openai__costs') }}

),

anthropic_costs as (

    select * from {{ ref('stg_anthropic__costs') }}

),

focus_charges as (

    select * from {{ ref('int_focus_charges_mapped') }}

),

model_map as (

    select * from {{ ref('stg_genai_prices__model_map') }}

),

openai_lines as (

    select
        'openai_costs' as invoice_source,
        coalesce(model_map.provider_id, 'openai') as provider,
        openai_costs.invoice_model,
        coalesce(model_map.model_id, openai_costs.invoice_model, '(unknown)') as model,
        coalesce(model_map.is_matched, false) as is_model_mapped,
        openai_costs.line_item_type as charge_type,
        openai_costs.token_type,
        openai_costs.usage_date,
        openai_costs.amount_usd,
        cast(null as {{ money_type() }}) as list_cost_usd,
        cast(null as {{ money_type() }}) as effective_cost_usd,
        cast(null as decimal(38, 12)) as quantity,
        cast(null as {{ dbt.type_string() }}) as quantity_unit,
        openai_costs.project_id as billing_scope_id,
        openai_costs.source_file,
        openai_costs.source_row,
        openai_costs.loaded_at

    from openai_costs
    left join model_map
        on
            model_map.observed_provider = 'openai'
            and openai_costs.invoice_model = model_map.observed_model

),

anthropic_lines as (

    select
        'anthropic_costs' as invoice_source,
        coalesce(model_map.provider_id, 'anthropic') as provider,
        anthropic_costs.invoice_model,
        coalesce(model_map.model_id, anthropic_costs.invoice_model, '(unknown)') as model,
        coalesce(model_map.is_matched, false) as is_model_mapped,
        coalesce(anthropic_costs.token_type_reported, anthropic_costs.cost_type) as charge_type,
        anthropic_costs.token_type,
        anthropic_costs.usage_date,
        anthropic_costs.amount_usd,
        cast(null as {{ money_type() }}) as list_cost_usd,
        cast(null as {{ money_type() }}) as effective_cost_usd,
        cast(null as decimal(38, 12)) as quantity,
        cast(null as {{ dbt.type_string() }}) as quantity_unit,
        anthropic_costs.workspace_id as billing_scope_id,
        anthropic_costs.source_file,
        anthropic_costs.source_row,
        anthropic_costs.loaded_at

    from anthropic_costs
    left join model_map
        on
            model_map.observed_provider = 'anthropic'
            and anthropic_costs.invoice_model = model_map.observed_model

),

focus_lines as (

    select
        'focus' as invoice_source,
        provider,
        invoice_model,
        model,
        is_mapped as is_model_mapped,
        invoice_model as charge_type,
        token_type,
        usage_date,
        billed_cost_usd as amount_usd,
        list_cost_usd,
        effective_cost_usd,
        cast(consumed_quantity as decimal(38, 12)) as quantity,
        consumed_unit as quantity_unit,
        sub_account_id as billing_scope_id,
        source_file,
        source_row,
        loaded_at

    from focus_charges

),

unioned as (

    {{ union_all_columns(['openai_lines', 'anthropic_lines', 'focus_lines'], union_columns) }}

),

final as (

    select
        {{ dbt.concat(['source_file', "'#'", 'cast(source_row as ' ~ dbt.type_string() ~ ')']) }}
            as invoice_line_id,
        invoice_source,
        provider,
        invoice_model,
        model,
        is_model_mapped,
        charge_type,
        token_type,
        {{ invoice_charge_kind('token_type') }} as charge_kind,
        usage_date,
        amount_usd,
        list_cost_usd,
        effective_cost_usd,
        quantity,
        quantity_unit,
        billing_scope_id,
        source_file,
        source_row,
        loaded_at

    from unioned

)

select * from final
