{#- A unit price after seeds/price_overrides.csv: the explicit override price when the override row
    sets one for this key, else the list price times the override's price_multiplier (the list price
    itself when there is no override or no multiplier). Null stays null (the model has no such price;
    the cost macro then applies the genai-prices fallback to another key). As price_type().
    price_key: the rate-card price column (input_mtok, cache_read_mtok, ...).
    list_price_prefix: prefix of the list-price column on the row (list_<price_key>).
    overrides_relation: alias of the joined price_overrides seed.
    overridable: false for keys the seed has no explicit column for (output_reasoning_mtok,
    requests_kcount): they take the multiplier only.
    fast_when: optional condition under which fast_effective_price is exact; the multiplied price is
    then computed in the fast type and widened (no 128-bit rounding cast per call). -#}
{% macro effective_price(price_key, list_price_prefix='list_', overrides_relation='price_overrides', overridable=true, fast_when=none) -%}
    coalesce(
        {%- if overridable %}
        cast({{ overrides_relation }}.{{ price_key }} as {{ price_type() }}),
        {%- endif %}
        case
            when {{ overrides_relation }}.price_multiplier is null
                then cast({{ list_price_prefix }}{{ price_key }} as {{ price_type() }})
            {%- if fast_when %}
            when {{ fast_when }}
                then cast({{ fast_effective_price(price_key, overrides_relation=overrides_relation, overridable=false) }} as {{ price_type() }})
            {%- endif %}
            else cast({{ list_price_prefix }}{{ price_key }} * {{ overrides_relation }}.price_multiplier as {{ price_type() }})
        end
    )
{%- endmacro %}

{#- The same price as fast_price_type(): only exact where the row's prices fit that type (the caller
    checks, see int_llm_calls_priced). Reads fast_list_<price_key> on the row and fast_<price_key> on the
    overrides relation (the prices already cast to the fast type on the small rate-card and override
    tables); the per-thousand-requests key gets the per-thousand type. -#}
{% macro fast_effective_price(price_key, list_price_prefix='fast_list_', overrides_relation='price_overrides', overridable=true) -%}
    {%- set fast_type = fast_price_type(1000 if price_key.endswith('_kcount') else 1000000) -%}
    coalesce(
        {%- if overridable %}
        {{ overrides_relation }}.fast_{{ price_key }},
        {%- endif %}
        case
            when {{ overrides_relation }}.price_multiplier is null then {{ list_price_prefix }}{{ price_key }}
            else cast({{ list_price_prefix }}{{ price_key }} * {{ overrides_relation }}.price_multiplier as {{ fast_type }})
        end
    )
{%- endmacro %}
