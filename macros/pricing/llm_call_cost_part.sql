{#- The part of llm_call_cost that one token type contributes, in USD at full decimal scale (no cast:
    callers sum parts and cast once). llm_call_cost is the sum of the six parts, so the parts add up
    to it exactly; tests/intermediate/finance asserts it on every build.

    token_type: uncached_input | cache_read | cache_write_5m | cache_write_1h | output | requests
    price_prefix: prefix of the applicable unit-price columns on the row (default 'price_').
    requests: SQL expression of the number of requests the row stands for ('1' for one call, a
    count for rows that sum the tokens of calls sharing one set of prices).

    The fallbacks (docs: pricing_rules): cache read at cache_read_mtok else input_mtok; cache
    write 5m at cache_write_mtok else input_mtok; cache write 1h at cache_write_1h_mtok else
    cache_write_mtok else input_mtok; output at output_mtok, its reasoning part at
    output_reasoning_mtok when the model has one; requests at requests_kcount per thousand.
    fast: the prices are fast_price_type() values (see units_times_price): each part is then exact at
    money scale. -#}
{% macro llm_call_cost_part(token_type, price_prefix='price_', requests='1', fast=false) -%}
    {%- set p = price_prefix -%}
    {%- set reasoning_priced = p ~ 'output_reasoning_mtok is not null' -%}
    {%- if token_type == 'uncached_input' -%}
        {{ units_times_price('uncached_input_tokens', 'coalesce(' ~ p ~ 'input_mtok, 0)', 1000000, fast) }}
    {%- elif token_type == 'cache_read' -%}
        {{ units_times_price(
            'cache_read_tokens', 'coalesce(' ~ p ~ 'cache_read_mtok, ' ~ p ~ 'input_mtok, 0)', 1000000, fast) }}
    {%- elif token_type == 'cache_write_5m' -%}
        {{ units_times_price(
            'cache_write_5m_tokens', 'coalesce(' ~ p ~ 'cache_write_mtok, ' ~ p ~ 'input_mtok, 0)', 1000000, fast) }}
    {%- elif token_type == 'cache_write_1h' -%}
        {{ units_times_price(
            'cache_write_1h_tokens',
            'coalesce(' ~ p ~ 'cache_write_1h_mtok, ' ~ p ~ 'cache_write_mtok, ' ~ p ~ 'input_mtok, 0)',
            1000000, fast) }}
    {%- elif token_type == 'output' -%}
        (
            {{ units_times_price(
                'output_tokens - case when ' ~ reasoning_priced ~ ' then reasoning_tokens else 0 end',
                'coalesce(' ~ p ~ 'output_mtok, 0)', 1000000, fast) }}
            + {{ units_times_price(
                'case when ' ~ reasoning_priced ~ ' then reasoning_tokens else 0 end',
                'coalesce(' ~ p ~ 'output_reasoning_mtok, 0)', 1000000, fast) }}
        )
    {%- elif token_type == 'requests' -%}
        {{ units_times_price(requests, 'coalesce(' ~ p ~ 'requests_kcount, 0)', 1000, fast) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error('llm_call_cost_part: unknown token type ' ~ token_type) }}
    {%- endif -%}
{%- endmacro %}
