{#- `select <columns> from <relation>` for each relation (CTE names or relations), joined with
    `union all`: a union by name over the listed columns, whatever else the relations hold. -#}
{% macro union_all_columns(relations, columns) -%}
    {%- for relation in relations %}
    select
        {{ columns | join(',\n        ') }}
    from {{ relation }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
