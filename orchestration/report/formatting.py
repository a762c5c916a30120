"""How numbers read in the report: money as $1,234.56 (sub-cent amounts keep four decimals, so a $0.0042
call does not read as $0.00), shares as percentages, compact money on chart axes."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money(value: Decimal | float | int | None) -> str:
    if value is None:
        return "–"
    amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if amount != 0 and amount < CENT:
        return f"{sign}${amount.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP):,}"
    return f"{sign}${amount.quantize(CENT, rounding=ROUND_HALF_UP):,}"


def money_short(value: float) -> str:
    """Axis labels: $0, $0.005, $0.25, $12, $1.2k, $34k, $3.4M."""
    amount, sign = abs(value), "-" if value < 0 else ""
    if amount == 0:
        return "$0"
    if amount >= 1000:
        scaled, unit = (amount / 1_000_000, "M") if amount >= 1_000_000 else (amount / 1000, "k")
        digits = 0 if scaled >= 10 else 1
        return f"{sign}${scaled:,.{digits}f}".removesuffix(".0") + unit
    # Below $1, enough decimals for two significant digits: $0.25, $0.0025, $0.00002.
    digits = 0 if amount >= 10 else 2 if amount >= 1 else max(2, math.ceil(-math.log10(amount)) + 1)
    text = f"{amount:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{sign}${text}"


def pct(ratio: Decimal | float | None, digits: int = 1) -> str:
    """A ratio (0.123) as a percentage (12.3%)."""
    if ratio is None:
        return "–"
    return f"{float(ratio) * 100:,.{digits}f}%"


def pct_of_pct(value: Decimal | float | None, digits: int = 1) -> str:
    """A value already in percent (12.3) as 12.3%."""
    if value is None:
        return "–"
    return f"{float(value):,.{digits}f}%"


def count(value: int | float | Decimal | None) -> str:
    return "–" if value is None else f"{int(value):,}"


def ratio(value: Decimal | float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{float(value):,.{digits}f}×"


def day(value: date | datetime | None) -> str:
    return "–" if value is None else value.strftime("%Y-%m-%d")


def short_day(value: date | datetime) -> str:
    """Axis labels for days: Aug 1."""
    return f"{value:%b} {value.day}"


def month(value: date | datetime | None) -> str:
    return "–" if value is None else value.strftime("%Y-%m")


def json_value(value: object) -> object:
    """Chart data as JSON: DECIMAL as its exact string, dates as ISO, the rest as is."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
