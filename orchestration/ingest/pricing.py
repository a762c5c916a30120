"""The rate card and the model map, from the genai-prices package.

Rate card: one row per (price provider, model, validity period, time-of-day window, input tier), so a call
finds its price with a plain range join (see the raw.rate_card comment). Segments are computed by asking
genai-prices itself (ModelInfo.get_prices) at the start of every period and window, so its rules (the last
active conditional price wins, the first applies when none is active) are reproduced, not re-implemented.

Model map: every distinct (provider, model) string observed in calls, invoices and usage reports, matched
with genai-prices' own lookup. Both tables are rebuilt in full on each run: they are small."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise

import duckdb
import genai_prices
import pyarrow as pa
from genai_prices.data_snapshot import get_snapshot
from genai_prices.types import ModelInfo, ModelPrice, StartDateConstraint, TieredPrices, TimeOfDateConstraint

GENAI_PRICES_VERSION = genai_prices.__version__
EPOCH = date(1970, 1, 1)
DAY_SECONDS = 86_400
PRICE_SCALE = 18
PRICE_PRECISION = 38

# genai-prices price keys that have their own rate-card column; every other key goes to other_prices_json.
PRICE_COLUMNS = (
    "input_mtok",
    "output_mtok",
    "cache_read_mtok",
    "cache_write_mtok",
    "cache_write_1h_mtok",
    "output_reasoning_mtok",
    "requests_kcount",
)


@dataclass(frozen=True)
class _Window:
    tod_start: int
    tod_end: int
    prices: ModelPrice


@dataclass(frozen=True)
class _Period:
    valid_from: date
    windows: tuple[_Window, ...]


def _seconds(value: time) -> int:
    if value.tzinfo is not None:
        value = datetime.combine(EPOCH, value).astimezone(UTC).time()
    if value.microsecond:
        raise ValueError(f"time-of-day price boundary {value} is not a whole second")
    return value.hour * 3600 + value.minute * 60 + value.second


def _periods(model: ModelInfo) -> list[_Period]:
    """Validity periods and time-of-day windows with the prices genai-prices applies in each."""
    conditions = [] if isinstance(model.prices, ModelPrice) else list(model.prices)
    starts = {EPOCH} | {
        c.constraint.start_date
        for c in conditions
        if isinstance(c.constraint, StartDateConstraint) and c.constraint.start_date > EPOCH
    }
    cuts = {0, DAY_SECONDS}
    for condition in conditions:
        if isinstance(condition.constraint, TimeOfDateConstraint):
            cuts |= {_seconds(condition.constraint.start_time), _seconds(condition.constraint.end_time)}
    cut_list = sorted(c for c in cuts if 0 <= c <= DAY_SECONDS)
    periods: list[_Period] = []
    for day in sorted(starts):
        windows: list[_Window] = []
        for start, end in pairwise(cut_list):
            prices = model.get_prices(datetime.combine(day, time(0), tzinfo=UTC) + timedelta(seconds=start))
            if windows and windows[-1].prices == prices:
                windows[-1] = _Window(windows[-1].tod_start, end, prices)
            else:
                windows.append(_Window(start, end, prices))
        # A later start date that changes nothing is not a new period.
        if not periods or periods[-1].windows != tuple(windows):
            periods.append(_Period(day, tuple(windows)))
    return periods


def _check_price(value: Decimal, where: str) -> Decimal:
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -PRICE_SCALE or value.adjusted() >= PRICE_PRECISION - PRICE_SCALE:
        raise ValueError(f"{where}: price {value} does not fit decimal({PRICE_PRECISION}, {PRICE_SCALE})")
    return value


def _price_at_tier(value: Decimal | TieredPrices, tier_start: int, is_base: bool) -> Decimal:
    """The price a call pays when its total input tokens lie just above tier_start (cliff rule)."""
    if not isinstance(value, TieredPrices):
        return value
    if is_base:
        return value.base
    applicable = value.base
    for tier in sorted(value.tiers, key=lambda t: t.start):
        if tier.start <= tier_start:
            applicable = tier.price
    return applicable


def _tier_rows(prices: ModelPrice) -> list[tuple[int, int | None, dict[str, Decimal]]]:
    """(tier_start, tier_end, price per key) over the union of every key's tier starts."""
    items = {k: v for k, v in prices.__dict__.items() if not k.startswith("_") and v is not None}
    starts = sorted({t.start for v in items.values() if isinstance(v, TieredPrices) for t in v.tiers})
    bounds = [0, *starts]
    rows = []
    for index, lower in enumerate(bounds):
        upper = starts[index] if index < len(starts) else None
        rows.append((lower, upper, {k: _price_at_tier(v, lower, index == 0) for k, v in items.items()}))
    return rows


def rate_card_table(loaded_at: datetime) -> pa.Table:
    """Every provider and model of the bundled genai-prices snapshot as rate-card rows (an Arrow table)."""
    decimal_type = pa.decimal128(PRICE_PRECISION, PRICE_SCALE)
    columns: dict[str, list] = {
        name: []
        for name in (
            "price_provider_id", "model_id", "model_name", "valid_from", "valid_to", "tod_start_second",
            "tod_end_second", "tier_index", "tier_start_tokens", "tier_end_tokens", *PRICE_COLUMNS,
            "other_prices_json",
        )
    }  # fmt: skip
    for provider in get_snapshot().providers:
        for model in provider.models:
            periods = _periods(model)
            for number, period in enumerate(periods):
                valid_to = periods[number + 1].valid_from if number + 1 < len(periods) else None
                for window in period.windows:
                    for tier_index, (tier_start, tier_end, prices) in enumerate(_tier_rows(window.prices)):
                        where = f"{provider.id}/{model.id}"
                        columns["price_provider_id"].append(provider.id)
                        columns["model_id"].append(model.id)
                        columns["model_name"].append(model.name)
                        columns["valid_from"].append(datetime.combine(period.valid_from, time(0)))
                        columns["valid_to"].append(datetime.combine(valid_to, time(0)) if valid_to else None)
                        columns["tod_start_second"].append(window.tod_start)
                        columns["tod_end_second"].append(window.tod_end)
                        columns["tier_index"].append(tier_index)
                        columns["tier_start_tokens"].append(tier_start)
                        columns["tier_end_tokens"].append(tier_end)
                        for key in PRICE_COLUMNS:
                            value = prices.get(key)
                            columns[key].append(_check_price(value, where) if value is not None else None)
                        other = {
                            k: str(_check_price(v, where)) for k, v in sorted(prices.items()) if k not in PRICE_COLUMNS
                        }
                        columns["other_prices_json"].append(json.dumps(other) if other else None)
    row_count = len(columns["model_id"])
    types = {
        "valid_from": pa.timestamp("us"),
        "valid_to": pa.timestamp("us"),
        "tod_start_second": pa.int32(),
        "tod_end_second": pa.int32(),
        "tier_index": pa.int32(),
        "tier_start_tokens": pa.int64(),
        "tier_end_tokens": pa.int64(),
        **dict.fromkeys(PRICE_COLUMNS, decimal_type),
    }
    # pyarrow refuses a Decimal it would have to round, so every price lands exactly.
    arrays = {name: pa.array(values, type=types.get(name, pa.string())) for name, values in columns.items()}
    arrays["genai_prices_version"] = pa.array([GENAI_PRICES_VERSION] * row_count)
    arrays["_loaded_at"] = pa.array([loaded_at] * row_count, type=pa.timestamp("us"))
    return pa.table(arrays)


def load_rate_card(con: duckdb.DuckDBPyConnection, *, loaded_at: datetime | None = None) -> int:
    """Rebuild raw.rate_card from genai-prices (all providers and models). Returns the row count."""
    from orchestration.ingest.loader import ensure_raw_schema

    loaded_at = loaded_at or datetime.now(UTC).replace(tzinfo=None)
    ensure_raw_schema(con)
    table = rate_card_table(loaded_at)
    con.register("_rate_card_rows", table)
    con.execute("begin transaction")
    try:
        con.execute("delete from raw.rate_card")
        con.execute("insert into raw.rate_card by name select * from _rate_card_rows")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_rate_card_rows")
    return table.num_rows


# Every (provider, model) string the warehouse has seen. Invoices and usage reports name their provider
# by the source they come from.
OBSERVED_MODELS_SQL = """
select distinct observed_provider, observed_model from (
    select coalesce(provider, '') as observed_provider, request_model as observed_model from raw.otlp_llm_spans
    union all select coalesce(provider, ''), response_model from raw.otlp_llm_spans
    union all select coalesce(custom_llm_provider, ''), model from raw.litellm_spend_logs
    union all select coalesce(provider, ''), model from raw.canonical_llm_calls
    union all select coalesce(provider, ''), response_model from raw.canonical_llm_calls
    union all select 'openai', trim(split_part(line_item, ', ', 1)) from raw.openai_costs where line_item is not null
    union all select 'anthropic', model from raw.anthropic_costs
    union all select 'openai', model from raw.openai_usage
    union all select 'anthropic', model from raw.anthropic_usage
)
where observed_model is not null and trim(observed_model) <> ''
order by all
"""


@dataclass(frozen=True)
class ModelMapSummary:
    observed: int
    matched: int

    @property
    def unmatched(self) -> int:
        return self.observed - self.matched


def match_model(observed_provider: str, observed_model: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(provider_id, price_provider_id, model_id, error) using genai-prices' own lookup."""
    snapshot = get_snapshot()
    try:
        provider, model = snapshot.find_provider_model(observed_model, None, observed_provider or None, None)
    except LookupError as error:
        return None, None, None, str(error)
    owner = next((p.id for p in snapshot.providers if any(m is model for m in p.models)), provider.id)
    return provider.id, owner, model.id, None


def load_model_map(con: duckdb.DuckDBPyConnection, *, loaded_at: datetime | None = None) -> ModelMapSummary:
    """Rebuild raw.model_map from the raw call, invoice and usage tables."""
    from orchestration.ingest.loader import ensure_raw_schema

    loaded_at = loaded_at or datetime.now(UTC).replace(tzinfo=None)
    ensure_raw_schema(con)
    observed = con.execute(OBSERVED_MODELS_SQL).fetchall()
    columns: dict[str, list] = {
        k: []
        for k in (
            "observed_provider",
            "observed_model",
            "provider_id",
            "price_provider_id",
            "model_id",
            "is_matched",
            "match_error",
        )
    }
    for observed_provider, observed_model in observed:
        provider_id, price_provider_id, model_id, error = match_model(observed_provider, observed_model)
        for key, value in zip(
            columns,
            (observed_provider, observed_model, provider_id, price_provider_id, model_id, error is None, error),
            strict=True,
        ):
            columns[key].append(value)
    table = pa.table(
        {
            **{k: pa.array(v, type=pa.bool_() if k == "is_matched" else pa.string()) for k, v in columns.items()},
            "genai_prices_version": pa.array([GENAI_PRICES_VERSION] * len(observed), type=pa.string()),
            "_loaded_at": pa.array([loaded_at] * len(observed), type=pa.timestamp("us")),
        }
    )
    con.register("_model_map_rows", table)
    con.execute("begin transaction")
    try:
        con.execute("delete from raw.model_map")
        con.execute("insert into raw.model_map by name select * from _model_map_rows")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_model_map_rows")
    matched = sum(1 for v in columns["is_matched"] if v)
    return ModelMapSummary(observed=len(observed), matched=matched)
