"""The pricing oracle: every priced call of the generated sample costs exactly what genai-prices says.

For each call of ``marts.fct_llm_calls`` without a negotiated override, ``cost_usd`` must equal
``genai_prices.calc_price(usage, model_ref, provider_id=..., genai_request_timestamp=started_at)``
to 1e-9 USD, and ``list_cost_usd`` the same call priced cache-blind (every input token as plain
input). Calls under an override are checked against the override arithmetic of
``seeds/price_overrides.csv`` applied in Python to the genai-prices model price (multiplier on every
price, tiers included; explicit prices replace a key). The sample must span every provider family,
tiers, every cache token type, a price change and the feature rename, or the oracle proves little.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import genai_prices
import pytest
from genai_prices import data_snapshot
from genai_prices.types import ModelPrice, Tier, TieredPrices

pytestmark = pytest.mark.slow

TOLERANCE = Decimal("1e-9")
OVERRIDES_CSV = Path(__file__).resolve().parent.parent / "seeds" / "price_overrides.csv"
EXPLICIT_KEYS = ("input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok", "cache_write_1h_mtok")


@dataclass(frozen=True)
class PricedCall:
    call_id: str
    provider: str
    price_model_ref: str
    started_at: datetime
    uncached: int
    cache_read: int
    cache_write_5m: int
    cache_write_1h: int
    output: int
    reasoning: int
    cost_usd: Decimal
    list_cost_usd: Decimal
    has_price_override: bool

    @property
    def timestamp(self) -> datetime:
        return self.started_at.replace(tzinfo=UTC)

    @property
    def input_total(self) -> int:
        return self.uncached + self.cache_read + self.cache_write_5m + self.cache_write_1h

    def usage(self) -> genai_prices.Usage:
        return genai_prices.Usage(
            input_tokens=self.input_total,
            cache_read_tokens=self.cache_read,
            cache_write_tokens=self.cache_write_5m + self.cache_write_1h,
            cache_write_1h_tokens=self.cache_write_1h,
            output_tokens=self.output,
            output_reasoning_tokens=self.reasoning,
        )

    def cache_blind_usage(self) -> genai_prices.Usage:
        return genai_prices.Usage(
            input_tokens=self.input_total, output_tokens=self.output, output_reasoning_tokens=self.reasoning
        )


@dataclass(frozen=True)
class Override:
    provider_id: str
    model_id: str
    valid_from: date
    valid_to: date | None
    multiplier: Decimal
    explicit: dict[str, Decimal]

    def applies(self, provider_id: str, model_id: str, moment: datetime) -> bool:
        day = moment.date()
        return (
            provider_id == self.provider_id
            and model_id == self.model_id
            and self.valid_from <= day
            and (self.valid_to is None or day < self.valid_to)
        )


def read_overrides() -> list[Override]:
    with OVERRIDES_CSV.open(newline="") as handle:
        return [
            Override(
                provider_id=row["provider_id"],
                model_id=row["model_id"],
                valid_from=date.fromisoformat(row["valid_from"]),
                valid_to=date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
                multiplier=Decimal(row["price_multiplier"]) if row["price_multiplier"] else Decimal(1),
                explicit={key: Decimal(row[key]) for key in EXPLICIT_KEYS if row[key]},
            )
            for row in csv.DictReader(handle)
        ]


def scaled(price: Decimal | TieredPrices, factor: Decimal) -> Decimal | TieredPrices:
    if isinstance(price, TieredPrices):
        return TieredPrices(
            base=price.base * factor, tiers=[Tier(start=tier.start, price=tier.price * factor) for tier in price.tiers]
        )
    return price * factor


def overridden_cost(call: PricedCall, override: Override) -> tuple[Decimal, Decimal]:
    """(cost, cache-blind cost) of the call under the override, computed on genai-prices' model price."""
    provider, model = data_snapshot.get_snapshot().find_provider_model(call.price_model_ref, None, call.provider, None)
    assert provider.id == override.provider_id and model.id == override.model_id
    list_price = model.get_prices(call.timestamp)
    prices = {
        key: scaled(value, override.multiplier)
        for key, value in vars(list_price).items()
        if not key.startswith("_") and value is not None
    }
    prices.update(override.explicit)
    model_price = ModelPrice(**prices)
    return (
        model_price.calc_price(call.usage())["total_price"],
        model_price.calc_price(call.cache_blind_usage())["total_price"],
    )


@pytest.fixture(scope="module")
def priced_calls(built_warehouse: Path) -> list[PricedCall]:
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select call_id, provider, price_model_ref, started_at, uncached_input_tokens, cache_read_tokens,
                   cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens,
                   cost_usd, list_cost_usd, has_price_override
            from marts.fct_llm_calls
            where is_priced
            order by call_id
            """
        ).fetchall()
    return [PricedCall(*row) for row in rows]


@pytest.fixture(scope="module")
def sample_coverage(built_warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        (row,) = con.execute(
            """
            select
                count(*) filter (where is_priced),
                count(distinct provider) filter (where is_priced),
                count(*) filter (where tier_index > 0),
                count(*) filter (where cache_read_tokens > 0),
                count(*) filter (where cache_write_5m_tokens > 0),
                count(*) filter (where cache_write_1h_tokens > 0),
                count(*) filter (where has_price_override),
                count(*) filter (where feature_observed = 'ask-docs' and feature = 'search-answer'),
                count(distinct price_valid_from) filter (where price_valid_from > timestamp '1970-01-01'),
                count(*) filter (where not is_priced)
            from marts.fct_llm_calls
            """
        ).fetchall()
        calls_on_changed_prices = con.execute(
            """
            -- models with calls priced under two different rate-card periods inside the sample
            select count(*) from (
                select price_provider_id, price_model_id
                from marts.fct_llm_calls
                where is_priced
                group by all
                having count(distinct price_valid_from) > 1
            ) as changed
            """
        ).fetchone()[0]
    keys = (
        "priced",
        "providers",
        "tiered",
        "cache_read",
        "cache_write_5m",
        "cache_write_1h",
        "overridden",
        "renamed",
        "dated_prices",
        "unpriced",
    )
    return {**dict(zip(keys, row, strict=True)), "models_with_price_change": calls_on_changed_prices}


def test_sample_spans_every_pricing_case(
    sample_coverage: dict[str, int], built_warehouse: Path, sample_landing: Path
) -> None:
    assert sample_coverage["priced"] >= 2000, sample_coverage
    # every provider and model the generator priced is priced in the fact too
    manifest = json.loads((sample_landing / "generator_manifest.json").read_text())
    generated = {
        (row["provider_id"], row["model_id"])
        for row in manifest["metered_cost"]["by_provider_model"]
        if row["is_priced"]
    }
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        priced = set(
            con.execute("select distinct provider, price_model_id from marts.fct_llm_calls where is_priced").fetchall()
        )
    assert priced == generated
    assert sample_coverage["providers"] == len({provider for provider, _ in generated}) >= 3, sample_coverage
    for case in ("tiered", "cache_read", "cache_write_5m", "cache_write_1h", "overridden", "renamed"):
        assert sample_coverage[case] > 0, f"the sample has no {case} calls: {sample_coverage}"
    assert sample_coverage["models_with_price_change"] > 0, f"no price change inside the sample: {sample_coverage}"


def test_cost_equals_genai_prices_calc_price(priced_calls: list[PricedCall]) -> None:
    checked, mismatches = 0, []
    for call in priced_calls:
        if call.has_price_override:
            continue
        expected = genai_prices.calc_price(
            call.usage(), call.price_model_ref, provider_id=call.provider, genai_request_timestamp=call.timestamp
        ).total_price
        checked += 1
        if abs(call.cost_usd - expected) > TOLERANCE:
            mismatches.append((call.call_id, call.price_model_ref, call.started_at, call.cost_usd, expected))
    assert checked >= 2000
    assert not mismatches, f"{len(mismatches)} of {checked} calls differ from calc_price: {mismatches[:5]}"


def test_list_cost_prices_every_input_token_as_input(priced_calls: list[PricedCall]) -> None:
    checked, mismatches = 0, []
    for call in priced_calls:
        if call.has_price_override:
            continue
        expected = genai_prices.calc_price(
            call.cache_blind_usage(),
            call.price_model_ref,
            provider_id=call.provider,
            genai_request_timestamp=call.timestamp,
        ).total_price
        checked += 1
        if abs(call.list_cost_usd - expected) > TOLERANCE:
            mismatches.append((call.call_id, call.price_model_ref, call.list_cost_usd, expected))
    assert checked >= 2000
    assert not mismatches, f"{len(mismatches)} of {checked} list costs differ: {mismatches[:5]}"


def test_override_calls_follow_the_override_arithmetic(priced_calls: list[PricedCall]) -> None:
    overrides = read_overrides()
    snapshot = data_snapshot.get_snapshot()
    checked, mismatches = 0, []
    for call in priced_calls:
        provider, model = snapshot.find_provider_model(call.price_model_ref, None, call.provider, None)
        matching = [o for o in overrides if o.applies(provider.id, model.id, call.started_at)]
        assert call.has_price_override == bool(matching), (call.call_id, call.has_price_override, matching)
        if not matching:
            continue
        (override,) = matching
        expected_cost, expected_list = overridden_cost(call, override)
        checked += 1
        if abs(call.cost_usd - expected_cost) > TOLERANCE or abs(call.list_cost_usd - expected_list) > TOLERANCE:
            mismatches.append((call.call_id, call.cost_usd, expected_cost, call.list_cost_usd, expected_list))
    assert checked > 0, "no call of the sample falls under a price override"
    assert not mismatches, f"{len(mismatches)} of {checked} override calls differ: {mismatches[:5]}"


def test_pinned_edge_calls_take_the_right_tier_and_price_period(built_warehouse: Path, sample_landing: Path) -> None:
    """The generator pins calls at exactly a cliff threshold and one token above, and one microsecond
    before and exactly at a price change: each must take the expected tier / rate-card period."""
    manifest = json.loads((sample_landing / "generator_manifest.json").read_text())
    special = manifest["special_calls"]
    snapshot = data_snapshot.get_snapshot()
    at_threshold = above_threshold = before_change = at_change = 0
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        for pinned in special:
            started_at = datetime.fromisoformat(pinned["started_at"]).astimezone(UTC).replace(tzinfo=None)
            rows = con.execute(
                """
                select tier_index, price_valid_from, input_tokens_total, provider, price_model_ref
                from marts.fct_llm_calls
                where started_at = ? and input_tokens_total = ? and source = ? and is_priced
                """,
                [started_at, pinned["input_tokens"], pinned["source"]],
            ).fetchall()
            assert len(rows) == 1, (pinned, rows)
            tier_index, price_valid_from, input_total, provider_id, model_ref = rows[0]
            _, model = snapshot.find_provider_model(model_ref, None, provider_id, None)
            prices = model.get_prices(started_at.replace(tzinfo=UTC))
            tiered = [value for value in vars(prices).values() if isinstance(value, TieredPrices)]
            starts = sorted({tier.start for value in tiered for tier in value.tiers})
            # cliff: the tier is the number of tier starts the total input strictly exceeds
            assert tier_index == sum(1 for start in starts if input_total > start), (pinned, rows, starts)
            at_threshold += input_total in starts
            above_threshold += (input_total - 1) in starts
            if pinned["label"].startswith("price_change_instant"):
                # a price that takes effect on this UTC day applies from its first microsecond on
                takes_effect_today = price_valid_from.date() == started_at.date()
                if "minus_1us" in pinned["label"]:
                    before_change += 1
                    assert not takes_effect_today, (pinned, rows)
                else:
                    at_change += 1
                    assert takes_effect_today and price_valid_from == started_at, (pinned, rows)
    assert min(at_threshold, above_threshold, before_change, at_change) > 0, special
