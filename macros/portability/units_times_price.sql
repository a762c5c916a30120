{#- USD for `units` priced at `unit_price` USD per `per` units (per = 1000000 for *_mtok prices,
    1000 for *_kcount prices), exact in decimal arithmetic: the units are multiplied by the price
    first and then by the literal 1/per (never a division, which some engines turn into a double).
    Engines whose decimal multiplication widens differently (Spark caps precision at 38 and, by default,
    drops scale) override the casts here.
    fast = true: unit_price is a fast_price_type(per) value (at most 12 - log10(per) decimals), so the
    term is already at money scale 12, exact, and summing terms needs no rounding cast (on DuckDB a
    64-bit price instead of a 128-bit one: about ten times cheaper per call). fast = false: price_type(),
    any price up to 18 decimals; the caller's cast to money rounds. -#}
{% macro units_times_price(units, unit_price, per, fast=false) -%}
    {{ return(adapter.dispatch('units_times_price', 'ai_cost_allocation')(units, unit_price, per, fast)) }}
{%- endmacro %}

{% macro default__units_times_price(units, unit_price, per, fast=false) -%}
    (cast({{ units }} as {{ dbt.type_bigint() }}) * cast({{ unit_price }} as {{ unit_price_type(per, fast) }}) * {{ per_factor_literal(per) }})
{%- endmacro %}

{% macro duckdb__units_times_price(units, unit_price, per, fast=false) -%}
    (cast({{ units }} as bigint) * cast({{ unit_price }} as {{ unit_price_type(per, fast) }}) * {{ per_factor_literal(per) }})
{%- endmacro %}

{% macro unit_price_type(per, fast) -%}
    {%- if fast -%}{{ fast_price_type(per) }}{%- else -%}{{ price_type() }}{%- endif -%}
{%- endmacro %}

{#- 1/per as an exact decimal literal: 1000000 -> 0.000001. -#}
{% macro per_factor_literal(per) -%}
    {%- set per = per | int -%}
    {%- set zeros = (per | string | length) - 1 -%}
    {%- if per != 10 ** zeros -%}
        {{ exceptions.raise_compiler_error('units_times_price: per must be a power of ten, got ' ~ per) }}
    {%- endif -%}
    {%- if zeros == 0 -%}1{%- else -%}0.{{ '0' * (zeros - 1) }}1{%- endif -%}
{%- endmacro %}

{#- Spark with spark.sql.decimalOperations.allowPrecisionLoss = false (check_engine_settings): bigint x
    decimal(38, 18) is decimal(38, 18) and x 1e-6 is decimal(38, 24), exact, as on DuckDB; the sums of
    such terms stay decimal(38, 24) and the final cast to money rounds half away from zero on both
    engines. (With Spark's default the product would be cut to 6 decimals before the 1e-6.)
    Fast path: bigint (decimal(20, 0)) x decimal(18, 6) is decimal(38, 6) (precision capped, scale kept),
    x 1e-6 (decimal(6, 6)) is decimal(38, 12), as on DuckDB; requests x decimal(18, 9) x 0.001 likewise
    decimal(38, 12); sums of decimal(38, 12) stay decimal(38, 12) and the cast to money changes nothing. -#}
{% macro spark__units_times_price(units, unit_price, per, fast=false) -%}
    (cast({{ units }} as bigint) * cast({{ unit_price }} as {{ unit_price_type(per, fast) }}) * {{ per_factor_literal(per) }})
{%- endmacro %}
