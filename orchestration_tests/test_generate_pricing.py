"""The generator's exact aggregate pricing equals summed genai_prices.calc_price, and its tables match the
real traces they claim to come from."""

from __future__ import annotations

import csv
import filecmp
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from genai_prices import Usage, calc_price

from orchestration.generate import pricing
from orchestration.generate.catalog import resolved_models
from orchestration.generate.derive_tables import main as derive_main
from orchestration.settings import DATA_DIR

REPO = Path(__file__).resolve().parents[1]
REALDATA = REPO.parent / "shared" / "realdata"


def _usages(rng: np.random.Generator, n: int) -> list[tuple[int, int, int, int, int]]:
    out = []
    for _ in range(n):
        inp = int(rng.choice([rng.integers(1, 5_000), rng.integers(150_000, 420_000)]))
        read = int(rng.integers(0, inp // 2 + 1))
        write = int(rng.integers(0, (inp - read) // 2 + 1))
        out.append((inp, read, write, int(rng.integers(0, write + 1)), int(rng.integers(1, 4_000))))
    # the cliffs: exactly at and one token above each tier start
    out += [(200_000, 150_016, 0, 0, 1_200), (200_001, 150_016, 0, 0, 1_200)]
    out += [(272_000, 1_024, 0, 0, 10), (272_001, 1_024, 0, 0, 10)]
    return out


def test_aggregated_token_sums_times_unit_prices_equal_summed_calc_price() -> None:
    rng = np.random.default_rng(3)
    days = [date(2026, 8, 1), date(2026, 8, 20), date(2026, 8, 21), date(2026, 9, 30)]
    checked = 0
    for spec in resolved_models():
        if spec.billing is None:
            continue
        for day in days:
            usages = _usages(rng, 30)
            if spec.cache_mode != "explicit_rw":  # only the Anthropic family writes to the cache
                usages = [(i, r, 0, 0, o) for i, r, _w, _h, o in usages]
            book = pricing.price_book(spec, day)
            tiers = book.tier_of(np.array([u[0] for u in usages]))
            sums: dict[int, np.ndarray] = {}
            expected = Decimal(0)
            for offset, (usage, tier) in enumerate(zip(usages, tiers.tolist(), strict=True)):
                moment = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=offset * 2_000)
                inp, read, write, write_1h, out = usage
                expected += calc_price(
                    Usage(
                        input_tokens=inp,
                        cache_read_tokens=read,
                        cache_write_tokens=write,
                        cache_write_1h_tokens=write_1h,
                        output_tokens=out,
                    ),
                    spec.request_model,
                    provider_id=spec.otel_provider,
                    genai_request_timestamp=moment,
                ).total_price
                exclusive = np.array(pricing.exclusive_tokens(inp, read, write, write_1h, out), dtype=object)
                sums[tier] = sums.get(tier, np.zeros(5, dtype=object)) + exclusive
            aggregated = sum(
                (sum(pricing.ledger_cost(book.list_prices[t], s).values(), Decimal(0)) for t, s in sums.items()),
                Decimal(0),
            )
            assert aggregated == expected, (spec.key, day)
            checked += len(usages)
    assert checked > 700


def test_price_change_and_override_are_applied_by_day() -> None:
    sol = next(m for m in resolved_models() if m.key == "gpt-5.6-sol")
    before, after = pricing.price_book(sol, date(2026, 8, 20)), pricing.price_book(sol, date(2026, 8, 21))
    assert before.list_prices[0]["uncached_input"] != after.list_prices[0]["uncached_input"]
    assert before.tier_starts == (272_000,)
    with (REPO / "seeds" / "price_overrides.csv").open(newline="") as handle:
        (override,) = list(csv.DictReader(handle))
    model = next(
        m
        for m in resolved_models()
        if (m.price_provider_id, m.price_model_id) == (override["provider_id"], override["model_id"])
    )
    book = pricing.price_book(model, date.fromisoformat(override["valid_from"]) + timedelta(days=200))
    for kind, price in book.list_prices[0].items():
        assert book.billed_prices[0][kind] == price * Decimal(override["price_multiplier"])
    other = next(m for m in resolved_models() if m.billing and m.key != model.key)
    other_book = pricing.price_book(other, date(2026, 8, 10))
    assert other_book.billed_prices == other_book.list_prices


@pytest.mark.skipif(not REALDATA.is_dir(), reason="the real traces (../shared/realdata) are not present")
def test_committed_tables_are_what_the_derivation_script_produces(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("sys.argv", ["derive_tables", "--realdata", str(REALDATA), "--out", str(tmp_path)])
    derive_main()
    for name in (
        "azure_conv_token_quantiles.csv",
        "mooncake_token_quantiles.csv",
        "mooncake_prefix_reuse.csv",
        "focus_non_ai_templates.csv",
    ):
        assert filecmp.cmp(tmp_path / name, DATA_DIR / name, shallow=False), name
