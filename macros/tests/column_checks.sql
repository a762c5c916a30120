{#- The row-level checks of one model in one query: fails for every row where a column of `not_null` is
    null, a column of `not_negative` is below zero (a null passes, as in not_negative), a column of
    `accepted_values` holds a non-null value outside its list (as dbt's accepted_values: strings quoted
    unless quote = false, nulls pass) or an expression of `expressions` is not true (false or null, as
    expression_is_true). One dbt node and one scan instead of one per column and check (dbt's per-node
    overhead dominated these tiny tests). `failed_checks` names what failed on the row. `model` goes
    through get_where_subquery like every generic test, so the nightly window scoping still applies. -#}
{% test column_checks(model, not_null=[], not_negative=[], accepted_values={}, expressions=[], quote=true) %}

{#- Each check: the SQL that is true when the row fails it, and its label in failed_checks. -#}
{%- set checks = [] -%}
{%- for column in not_null -%}
    {%- do checks.append((column ~ ' is null', column ~ ' is null')) -%}
{%- endfor -%}
{%- for column in not_negative -%}
    {%- do checks.append((column ~ ' < 0', column ~ ' < 0')) -%}
{%- endfor -%}
{%- for column, values in accepted_values.items() -%}
    {%- set literals = [] -%}
    {%- for value in values -%}
        {%- do literals.append("'" ~ value ~ "'" if quote else value | string) -%}
    {%- endfor -%}
    {%- do checks.append(
        (column ~ ' not in (' ~ literals | join(', ') ~ ')', column ~ ' not in accepted values')
    ) -%}
{%- endfor -%}
{%- for expression in expressions -%}
    {%- do checks.append(('not coalesce(' ~ expression ~ ', false)', expression.split() | join(' '))) -%}
{%- endfor -%}
{%- if not checks -%}
    {{ exceptions.raise_compiler_error('column_checks needs at least one check') }}
{%- endif -%}
{#- Each failed check adds '; <label>'; substring drops the leading separator. A check that is null
    (a null column under not_negative or accepted_values) neither fails the row nor adds its label. -#}
{%- set conditions = [] -%}
{%- set labels = [] -%}
{%- for check, label in checks -%}
    {%- do conditions.append(check) -%}
    {%- do labels.append("case when " ~ check ~ " then '; " ~ dbt.escape_single_quotes(label) ~ "' else '' end") -%}
{%- endfor %}

select
    substring({{ dbt.concat(labels) }}, 3) as failed_checks,
    *
from {{ model }}
where
    {{ conditions | join('\n    or ') }}

{% endtest %}
