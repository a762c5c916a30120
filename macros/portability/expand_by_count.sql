{#- A lateral join that repeats each row of the relation before it `count_expression` times, numbering
    the copies 1..count in `number_column` (a row with a count of 0 or null disappears). Written right
    after `from <relation>`:

        from zero_cost_users {{ expand_by_count('zero_cost_users.users_without_ai_calls', 'user_number') }}

    Used to give every active user without AI calls a zero-cost row of its own, so that percentiles
    across users include them. duckdb__: unnest(generate_series()); default__: Postgres' lateral
    generate_series; spark__: lateral view explode(sequence()). -#}
{% macro expand_by_count(count_expression, number_column, relation_alias='expanded') -%}
    {{ return(adapter.dispatch('expand_by_count', 'ai_cost_allocation')(count_expression, number_column, relation_alias)) }}
{%- endmacro %}

{% macro default__expand_by_count(count_expression, number_column, relation_alias='expanded') -%}
    cross join lateral generate_series(1, {{ count_expression }}) as {{ relation_alias }} ({{ number_column }})
{%- endmacro %}

{% macro duckdb__expand_by_count(count_expression, number_column, relation_alias='expanded') -%}
    cross join unnest(generate_series(1, {{ count_expression }})) as {{ relation_alias }} ({{ number_column }})
{%- endmacro %}

{#- Spark: a lateral view over sequence(1, count); a count below 1 or null gives no array, so no row
    (sequence(1, 0) would count down). -#}
{% macro spark__expand_by_count(count_expression, number_column, relation_alias='expanded') -%}
    lateral view explode(
        case
            when {{ count_expression }} >= 1
                then sequence(cast(1 as bigint), cast({{ count_expression }} as bigint))
        end
    ) {{ relation_alias }} as {{ number_column }}
{%- endmacro %}
