"""The rate card reproduces genai-prices: for sampled (model, time, usage) — price-change instants, tier
thresholds and one token above, off-peak windows, random cases — a SQL lookup of raw.rate_card returns the
per-key prices genai-prices applies, and the total they give equals genai_prices.calc_price."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import duckdb
import pytest
from genai_prices import Usage, calc_price
from genai_prices.data_snapshot import get_snapshot
from genai_prices.types import ModelPrice, StartDateConstraint, TieredPrices, TimeOfDateConstraint

from orchestration.ingest import ensure_raw_schema, load_model_map, load_rate_card
from orchestration.ingest.pricing import PRICE_COLUMNS

LOOKUP_SQL = """
select c.case_id, r.* exclude (price_provider_id, model_id)
from cases c
join raw.rate_card r
  on r.price_provider_id = c.provider_id and r.model_id = c.model_id
 and r.valid_from <= c.ts and (r.valid_to is null or c.ts < r.valid_to)
 and r.tod_start_second <= c.second_of_day and c.second_of_day < r.tod_end_second
 and (c.input_tokens > r.tier_start_tokens or (r.tier_start_tokens = 0 and c.input_tokens = 0))
 and (r.tier_end_tokens is null or c.input_tokens <= r.tier_end_tokens)
"""


@pytest.fixture(scope="module")
def rate_card() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    load_rate_card(con)
    return con


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def _usage(rng: random.Random, input_tokens: int) -> dict[str, int]:
    cache_read = rng.randint(0, input_tokens // 3)
    cache_write = rng.randint(0, input_tokens // 4)
    output = rng.randint(1, 20_000)
    return {
        "input_tokens": input_tokens,
        "cache_read_tokens": cache_read,
        "cache_write_tokens": cache_write,
        "cache_write_1h_tokens": rng.randint(0, cache_write // 2),
        "output_tokens": output,
        "output_reasoning_tokens": rng.randint(0, output // 2),
    }


def _cases() -> list[dict]:
    """Every price-change instant and tier boundary of every model, plus a random sample."""
    rng = random.Random(20260301)
    cases = []
    models = [(p, m) for p in get_snapshot().providers for m in p.models]

    def add(provider, model, ts: datetime, input_tokens: int) -> None:
        cases.append({"provider": provider, "model": model, "ts": ts, **_usage(rng, input_tokens)})

    for provider, model in models:
        conditions = [] if isinstance(model.prices, ModelPrice) else model.prices
        prices = [model.prices] if isinstance(model.prices, ModelPrice) else [c.prices for c in model.prices]
        tier_starts = sorted(
            {t.start for p in prices for v in p.__dict__.values() if isinstance(v, TieredPrices) for t in v.tiers}
        )
        for condition in conditions:
            if isinstance(condition.constraint, StartDateConstraint):
                start = datetime.combine(condition.constraint.start_date, time(0))
                for ts in (start, start - timedelta(microseconds=1), start + timedelta(hours=13)):
                    add(provider, model, ts, rng.randint(1, 150_000))
            if isinstance(condition.constraint, TimeOfDateConstraint):
                day = datetime(2026, 2, 10)
                for boundary in (condition.constraint.start_time, condition.constraint.end_time):
                    at = datetime.combine(day.date(), boundary.replace(tzinfo=None))
                    for ts in (at, at - timedelta(seconds=1)):
                        add(provider, model, ts, rng.randint(1, 50_000))
        for start in tier_starts:
            for tokens in (start, start + 1):
                add(provider, model, datetime(2026, 4, 1, 12) + timedelta(minutes=rng.randint(0, 10**5)), tokens)
    for provider, model in rng.sample(models, 400):
        ts = datetime(2023, 1, 1) + timedelta(
            seconds=rng.randint(0, 4 * 365 * 86_400), microseconds=rng.randint(0, 999_999)
        )
        add(provider, model, ts, rng.choice([0, rng.randint(1, 2_000), rng.randint(2_000, 400_000)]))
    return cases


def _applied_price(value, input_tokens: int) -> Decimal | None:
    """The price genai-prices applies to one key (its cliff rule for tiers)."""
    if value is None or not isinstance(value, TieredPrices):
        return value
    applicable = value.base
    for tier in sorted(value.tiers, key=lambda t: t.start):
        if input_tokens > tier.start:
            applicable = tier.price
    return applicable


def _total_from_rate_card(row: dict, usage: dict[str, int]) -> Decimal:
    """The cost of one call from rate-card prices: cache and reasoning tokens are priced as their own kind
    when the model has a price for it, otherwise as the kind that contains them."""
    million = Decimal(1_000_000)
    cache_read = usage["cache_read_tokens"] if row["cache_read_mtok"] is not None else 0
    write_1h = usage["cache_write_1h_tokens"] if row["cache_write_1h_mtok"] is not None else 0
    write_total = usage["cache_write_tokens"] if row["cache_write_mtok"] is not None else write_1h
    reasoning = usage["output_reasoning_tokens"] if row["output_reasoning_mtok"] is not None else 0
    parts = [
        (row["input_mtok"], usage["input_tokens"] - cache_read - write_total),
        (row["cache_read_mtok"], cache_read),
        (row["cache_write_mtok"], write_total - write_1h),
        (row["cache_write_1h_mtok"], write_1h),
        (row["output_mtok"], usage["output_tokens"] - reasoning),
        (row["output_reasoning_mtok"], reasoning),
    ]
    total = sum((Decimal(price) * count / million for price, count in parts if price is not None), Decimal(0))
    if row["requests_kcount"] is not None:
        total += Decimal(row["requests_kcount"]) / 1000
    return total


def test_rate_card_lookup_reproduces_genai_prices(rate_card: duckdb.DuckDBPyConnection) -> None:
    cases = _cases()
    owner = {id(m): p.id for p in get_snapshot().providers for m in p.models}
    rate_card.execute(
        "create or replace temp table cases (case_id int, provider_id varchar, model_id varchar, ts timestamp, "
        "second_of_day int, input_tokens bigint)"
    )
    rate_card.executemany(
        "insert into cases values (?, ?, ?, ?, ?, ?)",
        [
            (i, owner[id(c["model"])], c["model"].id, c["ts"],
             c["ts"].hour * 3600 + c["ts"].minute * 60 + c["ts"].second,
             c["input_tokens"])
            for i, c in enumerate(cases)
        ],
    )  # fmt: skip
    cursor = rate_card.execute(LOOKUP_SQL)
    names = [d[0] for d in cursor.description]
    matches: dict[int, list[dict]] = {}
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        matches.setdefault(row["case_id"], []).append(row)
    compared = 0
    for case_id, case in enumerate(cases):
        assert len(matches.get(case_id, [])) == 1, (case["model"].id, case["ts"], case["input_tokens"])
        row = matches[case_id][0]
        prices = case["model"].get_prices(_utc(case["ts"]))
        for key in PRICE_COLUMNS:
            assert row[key] == _applied_price(getattr(prices, key), case["input_tokens"]), (case["model"].id, key)
        others = {
            k: str(_applied_price(v, case["input_tokens"]))
            for k, v in prices.__dict__.items()
            if v is not None and not k.startswith("_") and k not in PRICE_COLUMNS
        }
        assert json.loads(row["other_prices_json"] or "{}") == others
        if others:
            continue  # units we do not meter: calc_price's total has nothing more to tell
        usage = {k: case[k] for k in ("input_tokens", "cache_read_tokens", "cache_write_tokens",
                                      "cache_write_1h_tokens", "output_tokens", "output_reasoning_tokens")}  # fmt: skip
        # ModelInfo.calc_price is what genai_prices.calc_price runs once it has matched the model.
        expected = case["model"].calc_price(Usage(**usage), case["provider"], genai_request_timestamp=_utc(case["ts"]))
        expected = expected.total_price
        try:  # and through the public entry point where the model id finds this very model
            public = calc_price(
                Usage(**usage),
                case["model"].id,
                provider_id=case["provider"].id,
                genai_request_timestamp=_utc(case["ts"]),
            )
        except LookupError:
            public = None
        if public is not None and public.model is case["model"]:
            assert public.total_price == expected
        assert abs(_total_from_rate_card(row, usage) - expected) < Decimal("1e-15"), (case["model"].id, case["ts"])
        compared += 1
    assert compared > len(cases) // 2


def test_every_price_is_stored_exactly(rate_card: duckdb.DuckDBPyConnection) -> None:
    stored = {
        (r[0], r[1], r[2]): r[3:]
        for r in rate_card.execute(
            f"select price_provider_id, model_id, valid_from, {', '.join(PRICE_COLUMNS)} from raw.rate_card "
            "where tier_index = 0 and tod_start_second = 0"
        ).fetchall()
    }
    for provider in get_snapshot().providers:
        for model in provider.models:
            starts = [datetime(1970, 1, 1)]
            if not isinstance(model.prices, ModelPrice):
                starts += [
                    datetime.combine(c.constraint.start_date, time(0))
                    for c in model.prices
                    if isinstance(c.constraint, StartDateConstraint)
                ]
            for start in starts:
                key = (provider.id, model.id, start)
                if key not in stored:  # merged into the previous period: same prices
                    continue
                prices = model.get_prices(_utc(start))
                for column, value in zip(PRICE_COLUMNS, stored[key], strict=True):
                    expected = _applied_price(getattr(prices, column), 0)
                    assert value == expected and (value is None or value.as_tuple().exponent == -18)


def test_model_map_uses_genai_prices_matching(tmp_path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_raw_schema(con)
    observed = [("openai", "gpt-4o"), ("azure", "gpt-4o-2024-08-06"), ("aws.bedrock", "amazon.nova-pro-v1:0"),
                ("selfhosted", "acme-7b"), ("", "claude-sonnet-4-5")]  # fmt: skip
    for n, (provider, model) in enumerate(observed):
        con.execute(
            "insert into raw.canonical_llm_calls "
            "(call_id, started_at, provider, model, _source_file, _source_row, _loaded_at) "
            "values (?, now()::timestamp, nullif(?, ''), ?, 'f', ?, now()::timestamp)",
            [f"c{n}", provider, model, n + 1],
        )
    con.execute(
        "insert into raw.openai_costs values (now()::timestamp, now()::timestamp, "
        "'gpt-4o-mini-2024-07-18, cached input', "
        "null, 1, 'usd', 'f', 1, now()::timestamp)"
    )
    summary = load_model_map(con)
    rows = {
        (p, m): (pid, ppid, mid, matched, err)
        for p, m, pid, ppid, mid, matched, err in con.execute(
            "select observed_provider, observed_model, provider_id, price_provider_id, model_id, is_matched, "
            "match_error "
            "from raw.model_map"
        ).fetchall()
    }
    expected_keys = set(observed) | {("openai", "gpt-4o-mini-2024-07-18")}
    assert set(rows) == expected_keys and summary.observed == len(expected_keys)
    snapshot = get_snapshot()
    for (provider, model), (provider_id, price_provider_id, model_id, matched, error) in rows.items():
        by_id = {p.id: p for p in snapshot.providers}
        if provider == "selfhosted":
            assert not matched and provider_id is None and "selfhosted" in error
            continue
        assert matched and error is None
        resolved = by_id[provider_id]
        own = next((m for m in resolved.models if m.is_match(model)), None)
        if own is not None:
            assert (price_provider_id, model_id) == (resolved.id, own.id)
        else:  # a fallback provider owns the price (e.g. Azure serving OpenAI models)
            assert price_provider_id in (resolved.fallback_model_providers or [])
            assert any(m.id == model_id for m in by_id[price_provider_id].models)
    assert rows[("azure", "gpt-4o-2024-08-06")][:2] == ("azure", "openai")
    priced = con.execute(
        "select count(*) from raw.model_map m where is_matched and not exists (select 1 from raw.rate_card r "
        "where r.price_provider_id = m.price_provider_id and r.model_id = m.model_id)"
    ).fetchone()[0]
    assert priced == 0 or con.execute("select count(*) from raw.rate_card").fetchone()[0] == 0
