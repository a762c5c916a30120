"""Exact aggregate pricing with genai-prices' own price objects.

Per-call `genai_prices.calc_price` costs ~0.2 ms, too slow for millions of calls. Its arithmetic is
linear in the token counts once the model, the price period (its start-date constraints are whole UTC
days) and the cliff tier (set by the call's total input tokens) are fixed, so the generator sums tokens
per (day, model, tier) and multiplies by the unit prices read from the same `ModelPrice` objects —
equal, in Decimal, to the sum of per-call `calc_price` results. `check_against_calc_price` verifies that
on real generated calls every run, and the tests verify it independently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache

import numpy as np
from genai_prices import Usage, calc_price
from genai_prices.data_snapshot import get_snapshot
from genai_prices.types import ModelInfo, ModelPrice, StartDateConstraint, TieredPrices

from orchestration.generate.catalog import ModelSpec, read_seed

# Exclusive token types, in ledger column order.
TOKEN_TYPES = ("uncached_input", "cache_read", "cache_write_5m", "cache_write_1h", "output")
LEDGER_COLUMNS = (*TOKEN_TYPES, "reasoning", "requests")
MTOK = Decimal(1_000_000)
# Price keys of genai-prices that our token columns map to; any other *token* price on a model we use is an error.
_TOKEN_PRICE_KEYS = ("input_mtok", "cache_read_mtok", "cache_write_mtok", "cache_write_1h_mtok", "output_mtok")
_IGNORED_PRICE_KEYS = ("web_searches_kcount", "storage_searches_kcount")  # units we never meter on calls
_OVERRIDE_COLUMNS = {
    "uncached_input": "input_mtok",
    "cache_read": "cache_read_mtok",
    "cache_write_5m": "cache_write_mtok",
    "cache_write_1h": "cache_write_1h_mtok",
    "output": "output_mtok",
}


def model_info(spec: ModelSpec) -> ModelInfo:
    return get_snapshot().find_provider_model(spec.request_model, None, spec.otel_provider, None)[1]


def _check_day_granular(info: ModelInfo) -> None:
    if isinstance(info.prices, list):
        for conditional in info.prices:
            if conditional.constraint is not None and not isinstance(conditional.constraint, StartDateConstraint):
                raise ValueError(f"{info.id}: time-of-day prices are not supported by the aggregate pricer")


def _price_at(value: Decimal | TieredPrices | None, total_input_tokens: int) -> Decimal | None:
    """genai-prices' cliff rule: a tier applies to every token once total input exceeds its start."""
    if value is None or isinstance(value, Decimal):
        return value
    for tier in reversed(value.tiers):
        if total_input_tokens > tier.start:
            return tier.price
    return value.base


@dataclass(frozen=True)
class PriceBook:
    """Unit prices (USD per million tokens) for one model on one UTC day, per cliff tier."""

    tier_starts: tuple[int, ...]  # exclusive lower bounds of tiers 1..n
    list_prices: tuple[dict[str, Decimal], ...]  # per tier: exclusive token type -> list price
    billed_prices: tuple[dict[str, Decimal], ...]  # per tier, after seeds/price_overrides.csv
    override_note: str | None

    def tier_of(self, input_tokens: np.ndarray) -> np.ndarray:
        return np.searchsorted(np.array(self.tier_starts, dtype=np.int64), input_tokens, side="left")


def _leaf_prices(model_price: ModelPrice, total_input_tokens: int) -> dict[str, Decimal]:
    """Price per exclusive token type, folding unpriced cache types into their parent as genai-prices does."""
    unknown = [
        key
        for key, value in model_price.__dict__.items()
        if value is not None and not key.startswith("_") and key not in _TOKEN_PRICE_KEYS + _IGNORED_PRICE_KEYS
    ]
    if unknown:
        raise ValueError(f"prices the generator cannot aggregate: {unknown}")
    prices = {key: _price_at(getattr(model_price, key), total_input_tokens) for key in _TOKEN_PRICE_KEYS}
    base_input = prices["input_mtok"] or Decimal(0)
    write_5m = prices["cache_write_mtok"] if prices["cache_write_mtok"] is not None else base_input
    return {
        "uncached_input": base_input,
        "cache_read": prices["cache_read_mtok"] if prices["cache_read_mtok"] is not None else base_input,
        "cache_write_5m": write_5m,
        "cache_write_1h": prices["cache_write_1h_mtok"] if prices["cache_write_1h_mtok"] is not None else write_5m,
        "output": prices["output_mtok"] or Decimal(0),
    }


@dataclass(frozen=True)
class PriceOverride:
    provider_id: str
    model_id: str
    valid_from: date
    valid_to: date | None
    multiplier: Decimal
    custom: dict[str, Decimal]
    note: str

    def applies(self, spec: ModelSpec, day: date) -> bool:
        return (
            (self.provider_id, self.model_id) == (spec.price_provider_id, spec.price_model_id)
            and self.valid_from <= day
            and (self.valid_to is None or day < self.valid_to)
        )

    def apply(self, prices: dict[str, Decimal]) -> dict[str, Decimal]:
        return {kind: self.custom.get(kind, price * self.multiplier) for kind, price in prices.items()}


@cache
def price_overrides() -> tuple[PriceOverride, ...]:
    overrides = []
    for row in read_seed("price_overrides.csv"):
        overrides.append(
            PriceOverride(
                provider_id=row["provider_id"],
                model_id=row["model_id"],
                valid_from=date.fromisoformat(row["valid_from"]),
                valid_to=date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
                multiplier=Decimal(row["price_multiplier"] or "1"),
                custom={kind: Decimal(row[col]) for kind, col in _OVERRIDE_COLUMNS.items() if row[col]},
                note=row["note"],
            )
        )
    return tuple(overrides)


@cache
def price_book(spec: ModelSpec, day: date) -> PriceBook:
    info = model_info(spec)
    _check_day_granular(info)
    model_price = info.get_prices(datetime(day.year, day.month, day.day, tzinfo=UTC))
    starts = sorted(
        {
            tier.start
            for key in _TOKEN_PRICE_KEYS
            if isinstance(value := getattr(model_price, key), TieredPrices)
            for tier in value.tiers
        }
    )
    representative_inputs = [0, *(start + 1 for start in starts)]
    list_prices = tuple(_leaf_prices(model_price, tokens) for tokens in representative_inputs)
    override = next((o for o in price_overrides() if o.applies(spec, day)), None)
    billed = tuple(override.apply(p) for p in list_prices) if override else list_prices
    return PriceBook(tuple(starts), list_prices, billed, override.note if override else None)


def ledger_cost(prices: dict[str, Decimal], token_sums: Iterable[int]) -> dict[str, Decimal]:
    """Exact cost per token type of summed token counts (ledger column order)."""
    return {
        kind: Decimal(int(count)) * prices[kind] / MTOK for kind, count in zip(TOKEN_TYPES, token_sums, strict=True)
    }


def exclusive_tokens(
    input_tokens: int, cache_read: int, cache_write: int, cache_write_1h: int, output: int
) -> tuple[int, ...]:
    return (input_tokens - cache_read - cache_write, cache_read, cache_write - cache_write_1h, cache_write_1h, output)


def calc_price_total(spec: ModelSpec, started_at: datetime, tokens: tuple[int, int, int, int, int]) -> Decimal:
    """genai_prices.calc_price for one call; tokens = (input incl. cache, cache read, cache write, 1h part, output)."""
    input_tokens, cache_read, cache_write, cache_write_1h, output = tokens
    usage = Usage(
        input_tokens=input_tokens,
        cache_read_tokens=cache_read,
        cache_write_tokens=cache_write,
        cache_write_1h_tokens=cache_write_1h,
        output_tokens=output,
    )
    return calc_price(
        usage, spec.request_model, provider_id=spec.otel_provider, genai_request_timestamp=started_at
    ).total_price


def check_against_calc_price(samples: list[tuple[ModelSpec, datetime, tuple[int, int, int, int, int]]]) -> int:
    """Raise if the aggregate unit prices disagree with calc_price on any sampled call; returns the count."""
    for spec, started_at, (inp, read, write, write_1h, out) in samples:
        book = price_book(spec, started_at.astimezone(UTC).date())
        tier = int(book.tier_of(np.array([inp]))[0])
        ours = sum(ledger_cost(book.list_prices[tier], exclusive_tokens(inp, read, write, write_1h, out)).values())
        theirs = calc_price_total(spec, started_at, (inp, read, write, write_1h, out))
        if ours != theirs:
            raise AssertionError(f"aggregate price {ours} != calc_price {theirs} for {spec.key} at {started_at}")
    return len(samples)
