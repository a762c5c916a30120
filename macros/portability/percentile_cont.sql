{#- The exact continuous percentile of `column` at `fraction` (0..1) within the group: linear
    interpolation between the two closest ranks, as numpy.percentile(method="linear") and SQL's
    percentile_cont. An aggregate, used with group by. Nulls are ignored. The one place the engine's
    percentile function is named: duckdb__ quantile_cont, default__ the ANSI ordered-set aggregate
    (Postgres, Snowflake, Trino); spark__ reproduces DuckDB's result step by step (below). Callers cast
    the result to the column's type. -#}
{% macro percentile_cont(column, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont', 'ai_cost_allocation')(column, fraction)) }}
{%- endmacro %}

{% macro default__percentile_cont(column, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ column }})
{%- endmacro %}

{#- DuckDB interpolates a DECIMAL column in its own type: the result keeps the column's scale
    (digits beyond it are cut, at most 1e-12 USD for money). -#}
{% macro duckdb__percentile_cont(column, fraction) -%}
    quantile_cont({{ column }}, {{ fraction }})
{%- endmacro %}

{#- Spark: DuckDB's result exactly, not Spark's percentile() (a double, then rounded differently).
    For a money column (taken as decimal(38, 12), units of 1e-12) DuckDB computes, over the n non-null
    values sorted, rn = (n - 1) x fraction in double precision, lo and hi the values at floor(rn) and
    ceil(rn), and lo + trunc(double(hi - lo in units) x (rn - floor(rn))) units. The same steps here, in
    the same IEEE double operations, over array_sort(collect_list()) of the group (the values of one
    group are held in memory, as by any exact percentile). Nulls are ignored; no values gives null. -#}
{% macro spark__percentile_cont(column, fraction) -%}
    get(transform(
        array(array_sort(collect_list(cast({{ column }} as {{ money_type() }})))),
        sorted -> get(transform(
            array(cast(size(sorted) - 1 as double) * cast({{ fraction }} as double)),
            rn -> case
                when size(sorted) > 0
                    then get(sorted, cast(floor(rn) as int))
                    + floor(cast(
                        cast((get(sorted, cast(ceil(rn) as int)) - get(sorted, cast(floor(rn) as int))) * 1000000000000 as double)
                        * (rn - floor(rn))
                        as decimal(38, 18)
                    )) * 0.000000000001
            end
        ), 0)
    ), 0)
{%- endmacro %}
