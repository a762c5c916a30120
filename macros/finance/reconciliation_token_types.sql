{#- The canonical token types that are both metered (fct_llm_calls token columns) and invoiced. -#}
{% macro reconciliation_token_types() -%}
    {{ return(['uncached_input', 'cache_read', 'cache_write_5m', 'cache_write_1h', 'output']) }}
{%- endmacro %}

{#- The kind of an invoice charge, from its normalized token type:
      'token'      a canonical token type — compared with metered cost;
      'unmapped'   token spend whose type or model could not be mapped (FOCUS row no seed pattern
                   matches, unknown Anthropic token type, OpenAI line without a type) — compared
                   with metered cost too, so it surfaces as drift or unmetered spend;
      'non_token'  any other charge type the provider names (web_search, code_execution,
                   audio_input...) — spend we do not meter, reported beside the drift, not in it. -#}
{% macro invoice_charge_kind(token_type) -%}
    case
        when {{ token_type }} in ('{{ reconciliation_token_types() | join("', '") }}') then 'token'
        when {{ token_type }} = 'unmapped' then 'unmapped'
        else 'non_token'
    end
{%- endmacro %}
