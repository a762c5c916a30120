{#- A unit price after seeds/price_overrides.csv: the explicit override price when the override row
    sets one for this key, else the list price times the override's price_multiplier (1 when there is
    no override or no multiplier). Null stays null (the model has no such price; the cost macro then
    applies the genai-prices fallback to another key).
    price_key: the rate-card price column (input_mtok, cache_read_mtok, ...).
    list_price_prefix: prefix of the list-price column on the row (list_<price_key>).
    overrides_relation: alias of the joined price_overrides seed.
    overridable: false for keys the seed has no explicit column for (output_reasoning_mtok,
    requests_kcount): they take the multiplier only. -#}
{% macro effective_price(price_key, list_price_prefix='list_', overrides_relation='price_overrides', overridable=true) -%}
    cast(
        coalesce(
            {%- if overridable %}
            {{ overrides_relation }}.{{ price_key }},
            {%- endif %}
            {{ list_price_prefix }}{{ price_key }} * coalesce({{ overrides_relation }}.price_multiplier, 1)
        ) as {{ price_type() }}
    )
{%- endmacro %}
