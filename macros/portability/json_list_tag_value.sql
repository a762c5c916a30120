{#- The value of the first "key:value" entry of a JSON list of strings held as text, e.g.
    request_tags = '["feature:draft-email","tenant:t-001"]' gives 'draft-email' for key 'feature'.
    Null when no entry has that key or the value is empty. -#}
{% macro json_list_tag_value(json_list_column, key) -%}
    {{ return(adapter.dispatch('json_list_tag_value', 'ai_cost_allocation')(json_list_column, key)) }}
{%- endmacro %}

{#- Portable fallback: plain string search on the serialized list (no JSON functions needed).
    Good for lists of simple "key:value" strings without escaped quotes. -#}
{% macro default__json_list_tag_value(json_list_column, key) -%}
    nullif(trim({{ dbt.split_part(dbt.split_part(json_list_column, "'\"" ~ key ~ ":'", 2), "'\"'", 1) }}), '')
{%- endmacro %}

{% macro duckdb__json_list_tag_value(json_list_column, key) -%}
    nullif(trim(substr(
        list_filter(
            cast(json_extract_string({{ json_list_column }}, '$[*]') as varchar []),
            lambda tag: starts_with(tag, '{{ key }}:')
        )[1],
        {{ key | length + 2 }}
    )), '')
{%- endmacro %}

{#- Spark: parse the list with from_json (an unparsable list gives null) and take the first matching
    entry; get() is null past the end of the array. -#}
{% macro spark__json_list_tag_value(json_list_column, key) -%}
    nullif(trim(substr(
        get(
            filter(
                from_json({{ json_list_column }}, 'array<string>'),
                tag -> startswith(tag, '{{ key }}:')
            ),
            0
        ),
        {{ key | length + 2 }}
    )), '')
{%- endmacro %}
