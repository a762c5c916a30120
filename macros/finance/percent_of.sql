{#- `numerator` as a percentage of `denominator` (8.0 = 8 %), decimal(38, 6), null when the
    denominator is zero or null. For display (heat maps, summaries) only: statuses compare amounts in
    exact decimals (reconciliation_status), because some engines divide decimals as doubles. -#}
{% macro percent_of(numerator, denominator) -%}
    cast(100 * ({{ numerator }}) / nullif({{ denominator }}, 0) as decimal(38, 6))
{%- endmacro %}
