{#- numerator / denominator as an exact decimal(38, 12), rounded half away from zero at the 12th
    decimal; null when the denominator is zero or null. For money per unit (cost per call), shares,
    ratios and pro-rating, where a plain `/` would give a double on DuckDB.

    The numerator is taken at 12 decimals (money, counts, tokens, money x whole weights); the
    denominator at `denominator_scale` decimals: 0 for whole numbers (counts, days, seats, tokens,
    weights in whole units), 12 (the default) for money and ratios. Digits beyond are rounded first. -#}
{% macro divide_decimal(numerator, denominator, denominator_scale=12) -%}
    {{ return(adapter.dispatch('divide_decimal', 'ai_cost_allocation')(numerator, denominator, denominator_scale)) }}
{%- endmacro %}

{#- Engines whose decimal division stays decimal (Postgres, Snowflake). A later spark__ narrows the
    operand types first (Spark cuts the scale of a decimal(38, s) quotient to 6). -#}
{% macro default__divide_decimal(numerator, denominator, denominator_scale=12) -%}
    cast(
        cast({{ numerator }} as {{ money_type() }})
        / nullif(cast({{ denominator }} as decimal(38, {{ denominator_scale }})), 0)
        as {{ money_type() }}
    )
{%- endmacro %}

{#- DuckDB divides decimals as doubles, so the quotient is computed in 128-bit integers instead:
    with N = numerator x 10^12 and D = denominator x 10^s (both whole), the quotient in units of
    1e-12 is N x 10^s / D, rounded half away from zero as sign x ((2|N| 10^s + |D|) // (2|D|)).
    Exact while 2|N| 10^s < 1.7e38 (numerator below 8.5e13 for s = 12, below 8.5e25 for s = 0);
    an overflow is an error, never a wrong number. -#}
{% macro duckdb__divide_decimal(numerator, denominator, denominator_scale=12) -%}
    {%- set scale = denominator_scale | int -%}
    {%- set numerator_units = _decimal_units(numerator, 12) -%}
    {%- set denominator_units = _decimal_units(denominator, scale) -%}
    (
        case
            when {{ denominator_units }} <> 0
                then cast(
                    sign({{ numerator_units }})
                    * sign({{ denominator_units }})
                    * (
                        (
                            2 * abs({{ numerator_units }}) * 1{{ '0' * scale }}
                            + abs({{ denominator_units }})
                        )
                        // (2 * abs({{ denominator_units }}))
                    )
                    as decimal(38, 0)
                ) * 0.000000000001
        end
    )
{%- endmacro %}

{#- The value of a decimal expression in whole units of 10^-scale, as a 128-bit integer (DuckDB):
    the integer part and the fraction are scaled separately so that no decimal(38, scale)
    intermediate overflows. -#}
{% macro _decimal_units(expression, scale) -%}
    {%- if scale == 0 -%}
        cast({{ expression }} as hugeint)
    {%- else -%}
        (
            cast(
                floor(cast({{ expression }} as decimal(38, {{ scale }})))
                as hugeint
            ) * 1{{ '0' * scale }}
            + cast(
                (
                    cast({{ expression }} as decimal(38, {{ scale }}))
                    - floor(cast({{ expression }} as decimal(38, {{ scale }})))
                ) * 1{{ '0' * scale }}
                as hugeint
            )
        )
    {%- endif -%}
{%- endmacro %}

{#- Spark, with spark.sql.decimalOperations.allowPrecisionLoss = false (check_engine_settings): the
    quotient of decimal(38, 12) by decimal(38, s) is a decimal(38, 24 - s/2) (scale 24 for whole
    denominators, 18 for money), rounded half up, i.e. away from zero; cast to 12 decimals it rounds
    half away from zero again, as the DuckDB version does. Rounding twice can only go wrong when the
    first rounding lands exactly on a half unit of 1e-12 (q - r = ±5e-13) while the exact quotient lies
    below it; then |numerator| < |q x denominator| (exact decimal arithmetic: both sides are
    decimal(38, 13 + s), since a comparison of two other decimal types would round the wider one) and the
    result is moved one unit back toward zero. Same range as DuckDB's: the quotient below 1e14 (1e20 for
    money denominators); the correction needs the numerator below 1e25 (1e13 for money denominators). -#}
{% macro spark__divide_decimal(numerator, denominator, denominator_scale=12) -%}
    {%- set numerator_sql = 'cast(' ~ numerator ~ ' as decimal(38, 12))' -%}
    {%- set denominator_sql = 'cast(' ~ denominator ~ ' as decimal(38, ' ~ (denominator_scale | int) ~ '))' -%}
    {%- set quotient = '(' ~ numerator_sql ~ ' / nullif(' ~ denominator_sql ~ ', 0))' -%}
    {%- set rounded = 'cast(' ~ quotient ~ ' as decimal(38, 12))' -%}
    {%- set product_type = 'decimal(38, ' ~ (13 + denominator_scale | int) ~ ')' -%}
    cast(
        case
            when
                abs({{ quotient }} - {{ rounded }}) = 0.0000000000005
                and abs(cast({{ numerator_sql }} as {{ product_type }}))
                < abs(cast({{ quotient }} as decimal(38, 13)) * {{ denominator_sql }})
                then {{ rounded }} - case when {{ quotient }} > 0 then 0.000000000001 else -0.000000000001 end
            else {{ rounded }}
        end
        as {{ money_type() }}
    )
{%- endmacro %}
