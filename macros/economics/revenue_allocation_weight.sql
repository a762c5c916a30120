{#- The weight of a feature in its tenant-month under a revenue allocation rule (default: var
    revenue_allocation_rule), as a whole decimal(38, 0) so that the allocation divides exactly. Reads
    the columns revenue_weight, active_users and cost_usd of int_tenant_feature_months_joined:
    weighted_mau = revenue_weight x active_users (revenue_weight has 6 decimals, so x 1e6);
    mau = active_users; cost = cost_usd in units of 1e-12 USD. An unknown rule is a compile error. -#}
{% macro revenue_allocation_weight(rule=none) -%}
    {%- set rule = rule or var('revenue_allocation_rule', 'weighted_mau') -%}
    {%- if rule == 'weighted_mau' -%}
        cast(cast(revenue_weight * 1000000 as decimal(38, 0)) * active_users as decimal(38, 0))
    {%- elif rule == 'mau' -%}
        cast(active_users as decimal(38, 0))
    {%- elif rule == 'cost' -%}
        cast(cast(cost_usd as {{ money_type() }}) * 1000000000000 as decimal(38, 0))
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "var('revenue_allocation_rule') must be one of weighted_mau, mau, cost; got '" ~ rule ~ "'"
        ) }}
    {%- endif -%}
{%- endmacro %}
