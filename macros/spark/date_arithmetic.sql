{#- Spark implementations of dbt's cross-database date macros (dbt.dateadd, dbt.datediff), found before
    dbt-spark's own through the `dispatch` search order in dbt_project.yml. They give DuckDB's results:

    - dateadd keeps microseconds. dbt-spark's version goes through whole Unix seconds: it drops the
      fraction of every timestamp and adds 0 for any millisecond interval below 1,000,000 (so
      ended_at = started_at + latency_ms would be wrong). timestampadd() is exact.
    - datediff counts the boundaries of the date part crossed between the two values, as DuckDB's
      date_diff does: datediff('millisecond', '00:00:00.0009', '00:00:00.0011') is 1, and whole months
      between dates count calendar-month boundaries. dbt-spark's version works in whole seconds too.
      Week differences are not used here and raise (the engines number weeks differently).

    default__ is dbt-core's, duckdb__ dbt-duckdb's; only spark__ is defined here. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    {%- set unit = datepart | lower -%}
    {%- if unit not in ['microsecond', 'millisecond', 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'] -%}
        {{ exceptions.raise_compiler_error('dateadd: unsupported date part ' ~ datepart) }}
    {%- endif -%}
    timestampadd({{ unit }}, cast({{ interval }} as bigint), {{ from_date_or_timestamp }})
{%- endmacro %}

{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- set unit = datepart | lower -%}
    {%- set micros_per = {
        'microsecond': 1, 'millisecond': 1000, 'second': 1000000, 'minute': 60000000, 'hour': 3600000000,
    } -%}
    {%- if unit in micros_per -%}
        {%- set second_micros = 'unix_micros(cast(' ~ second_date ~ ' as timestamp))' -%}
        {%- set first_micros = 'unix_micros(cast(' ~ first_date ~ ' as timestamp))' -%}
        (
            ({{ second_micros }} - pmod({{ second_micros }}, {{ micros_per[unit] }})) div {{ micros_per[unit] }}
            - ({{ first_micros }} - pmod({{ first_micros }}, {{ micros_per[unit] }})) div {{ micros_per[unit] }}
        )
    {%- elif unit == 'day' -%}
        datediff(cast({{ second_date }} as date), cast({{ first_date }} as date))
    {%- elif unit in ['month', 'quarter', 'year'] -%}
        {%- set per_year = {'month': 12, 'quarter': 4, 'year': 1}[unit] -%}
        {%- set part = {'month': 'month', 'quarter': 'quarter', 'year': none}[unit] -%}
        (
            (year({{ second_date }}) - year({{ first_date }})) * {{ per_year }}
            {%- if part %}
            + {{ part }}({{ second_date }}) - {{ part }}({{ first_date }})
            {%- endif %}
        )
    {%- else -%}
        {{ exceptions.raise_compiler_error('datediff: unsupported date part ' ~ datepart) }}
    {%- endif -%}
{%- endmacro %}
