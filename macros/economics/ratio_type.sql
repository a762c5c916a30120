{#- The SQL type of the economics marts' ratios, shares and percentages (cost_to_price_ratio,
    cost_share, utilization, gross_margin_pct...): decimal(38, 12), exact like money, produced by
    divide_decimal. Never float. -#}
{% macro ratio_type() -%}
    decimal(38, 12)
{%- endmacro %}
