{#- The not_null and not_negative checks of several columns of one model in one query: fails for every
    row where a column of `not_null` is null or a column of `not_negative` is below zero (a null passes
    that check, as in not_negative). One dbt node and one scan instead of one per column and check (dbt's
    per-node overhead dominated these tiny tests). `failed_checks` names what failed on the row. `model`
    goes through get_where_subquery like every generic test, so the nightly window scoping still applies. -#}
{% test column_checks(model, not_null=[], not_negative=[]) %}

{%- set checks = [] -%}
{%- for column in not_null -%}
    {%- do checks.append(column ~ ' is null') -%}
{%- endfor -%}
{%- for column in not_negative -%}
    {%- do checks.append(column ~ ' < 0') -%}
{%- endfor -%}
{%- if not checks -%}
    {{ exceptions.raise_compiler_error('column_checks needs at least one column in not_null or not_negative') }}
{%- endif -%}
{#- Each failed check adds '; <check>'; substring drops the leading separator. -#}
{%- set labels = [] -%}
{%- for check in checks -%}
    {%- do labels.append("case when " ~ check ~ " then '; " ~ check ~ "' else '' end") -%}
{%- endfor %}

select
    substring({{ dbt.concat(labels) }}, 3) as failed_checks,
    *
from {{ model }}
where
    {{ checks | join('\n    or ') }}

{% endtest %}
