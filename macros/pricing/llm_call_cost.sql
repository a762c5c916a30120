{#- The cost of one call in USD, as decimal(38, 12): the single place where tokens meet prices.

    Expects, on the row, the canonical exclusive token columns (uncached_input_tokens,
    cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens)
    and the applicable unit prices named <price_prefix><key> for the keys input_mtok, cache_read_mtok,
    cache_write_mtok, cache_write_1h_mtok, output_mtok, output_reasoning_mtok, requests_kcount
    (the rate-card row already chosen by time, time of day and tier, overrides applied).

    genai-prices' leaf decomposition, restated per token type (docs: pricing_rules):
      uncached input  at input_mtok
      cache read      at cache_read_mtok,                          else input_mtok
      cache write 5m  at cache_write_mtok,                         else input_mtok
      cache write 1h  at cache_write_1h_mtok, else cache_write_mtok, else input_mtok
      output          at output_mtok; when output_reasoning_mtok exists, the reasoning part of the
                      output at output_reasoning_mtok and only the rest at output_mtok
      per request     requests_kcount / 1000
    Each type's term is llm_call_cost_part (the reconciliation prices the parts separately, so both
    read the same rules).
    A missing price with no fallback contributes 0 (the unit is not billed by that model).

    cache_blind = true gives list_cost_usd: every input token (uncached, cache read, both cache
    writes) at input_mtok; output and the per-request fee as above.
    fast = true: the prices are fast_price_type() values; the sum is then exactly money_type() already
    and the outer cast changes nothing (no rounding). fast = false: price_type() prices, summed at
    scale 24 and rounded half away from zero to money once. -#}
{% macro llm_call_cost(price_prefix='price_', cache_blind=false, fast=false) -%}
    {%- set p = price_prefix -%}
    cast(
        (
        {%- if cache_blind %}
            {{ units_times_price(
                '(uncached_input_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens)',
                'coalesce(' ~ p ~ 'input_mtok, 0)', 1000000, fast) }}
        {%- else %}
            {{ llm_call_cost_part('uncached_input', p, fast=fast) }}
            + {{ llm_call_cost_part('cache_read', p, fast=fast) }}
            + {{ llm_call_cost_part('cache_write_5m', p, fast=fast) }}
            + {{ llm_call_cost_part('cache_write_1h', p, fast=fast) }}
        {%- endif %}
            + {{ llm_call_cost_part('output', p, fast=fast) }}
            + {{ llm_call_cost_part('requests', p, fast=fast) }}
        ) as {{ money_type() }}
    )
{%- endmacro %}
