"""Reconciliation on the generated sample (issue 6): the marts against the generator's manifest and
against the invoice and usage files parsed here with their own readers.

The expected figures come from outside the models: ``generator_manifest.json`` (exact metered and
invoiced USD per day, provider and model; the injected drift; token sums per model) and the landing
files themselves (invoice amounts re-read in Python: dollars, cents / 100, FOCUS BilledCost). Model
strings are mapped with genai-prices' own ``find_provider_model`` and Bedrock usage types with the
generator's usage-type contract, not with raw.model_map or seeds/focus_sku_map.csv."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import duckdb
import pytest
from genai_prices import data_snapshot

from orchestration.generate.billing import ANTHROPIC_TOKEN_TYPES, BEDROCK_USAGE_SUFFIX, OPENAI_LINE_ITEMS
from orchestration.generate.catalog import MODELS

pytestmark = pytest.mark.slow

TOKEN_TYPES = ("uncached_input", "cache_read", "cache_write_5m", "cache_write_1h", "output")
OPENAI_TYPES = {line_item: token_type for token_type, line_item in OPENAI_LINE_ITEMS.items()}
ANTHROPIC_TYPES = {api_name: token_type for token_type, (api_name, _) in ANTHROPIC_TOKEN_TYPES.items()}
DAILY_KEY = "usage_date, provider, model"


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def records(warehouse: Path, sql: str) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def manifest(sample_landing: Path) -> dict:
    return json.loads((sample_landing / "generator_manifest.json").read_text())


@pytest.fixture(scope="module")
def daily(built_warehouse: Path) -> dict[tuple[str, str, str], dict]:
    rows = records(built_warehouse, f"select * from marts.reconciliation_drift_daily order by {DAILY_KEY}")
    by_key = {(row["usage_date"].isoformat(), row["provider"], row["model"]): row for row in rows}
    assert len(by_key) == len(rows), "reconciliation_drift_daily has a duplicate day/provider/model"
    return by_key


@cache
def genai_model(provider: str, model: str) -> tuple[str, str]:
    found_provider, found_model = data_snapshot.get_snapshot().find_provider_model(model, None, provider, None)
    return found_provider.id, found_model.id


def bedrock_usage_types() -> dict[str, tuple[str, str, str]]:
    """The generator's FOCUS contract: '<prefix>-<suffix>' -> (provider id, model id, token type)."""
    mapping = {}
    for spec in MODELS:
        if spec.bedrock_usage_prefix:
            provider_id, model_id = genai_model("aws", spec.response_model)
            for token_type, suffix in BEDROCK_USAGE_SUFFIX.items():
                mapping[f"{spec.bedrock_usage_prefix}-{suffix}"] = (provider_id, model_id, token_type)
    return mapping


def _day(epoch_or_iso: int | str) -> str:
    if isinstance(epoch_or_iso, int):
        return datetime.fromtimestamp(epoch_or_iso, tz=UTC).date().isoformat()
    return epoch_or_iso[:10]


def _pages(folder: Path) -> Iterator[dict]:
    for path in sorted(folder.rglob("*.json")):
        try:
            yield json.loads(path.read_text())
        except json.JSONDecodeError:
            continue


def invoice_files(landing: Path) -> dict[tuple[str, str, str, str], Decimal]:
    """Invoiced USD per (day, provider, model id, token type), read from the landing files."""
    amounts: dict[tuple[str, str, str, str], Decimal] = defaultdict(Decimal)
    for page in _pages(landing / "invoices" / "openai"):
        for bucket in page["data"]:
            for result in bucket["results"]:
                if result["amount"]["currency"].lower() != "usd":
                    continue  # quarantined by the loader (non_usd_currency)
                model, line_type = result["line_item"].split(", ", 1)
                provider_id, model_id = genai_model("openai", model)
                key = (_day(bucket["start_time"]), provider_id, model_id, OPENAI_TYPES[line_type])
                amounts[key] += Decimal(str(result["amount"]["value"]))
    for page in _pages(landing / "invoices" / "anthropic"):
        for bucket in page["data"]:
            for result in bucket["results"]:
                provider_id, model_id = genai_model("anthropic", result["model"])
                if result["cost_type"] == "tokens":
                    token_type = ANTHROPIC_TYPES[result["token_type"]]
                else:
                    token_type = result["cost_type"]
                key = (_day(bucket["starting_at"]), provider_id, model_id, token_type)
                amounts[key] += Decimal(result["amount"]) / 100
    usage_types = bedrock_usage_types()
    for path in sorted((landing / "invoices" / "focus").rglob("*.csv")):
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                if row["x_UsageType"] in ("", "NULL"):
                    continue  # background rows of other AWS services
                provider_id, model_id, token_type = usage_types[row["x_UsageType"]]
                key = (row["ChargePeriodStart"][:10], provider_id, model_id, token_type)
                amounts[key] += Decimal(row["BilledCost"])
    return dict(amounts)


def test_every_invoice_line_reaches_the_token_breakdown(built_warehouse: Path, sample_landing: Path) -> None:
    expected = invoice_files(sample_landing)
    actual = {
        (day.isoformat(), provider, model, token_type): amount
        for day, provider, model, token_type, amount in query(
            built_warehouse,
            """
            select usage_date, provider, model, token_type, invoiced_cost_usd
            from marts.reconciliation_token_drift_daily where invoice_lines > 0
            """,
        )
    }
    assert {key[3] for key in expected} >= {"uncached_input", "cache_read", "cache_write_5m", "output"}
    assert {key[1] for key in expected} == {"openai", "anthropic", "aws"}
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    assert not missing and not extra, (missing[:5], extra[:5])
    differing = {key: (expected[key], actual[key]) for key in expected if expected[key] != actual[key]}
    assert not differing, list(differing.items())[:5]


def test_invoiced_side_matches_the_generator(daily: dict, manifest: dict) -> None:
    expected = {
        (entry["usage_date"], entry["provider_id"], entry["model_id"]): Decimal(entry["invoiced_usd"])
        for entry in manifest["reconciliation_daily"]
    }
    actual = {key: row["invoiced_cost_usd"] for key, row in daily.items() if row["invoice_lines"] > 0}
    assert len(expected) > 300
    assert actual == expected
    # web-search lines (if the sample has any) sit beside the drift, never in it
    non_token: dict[tuple, Decimal] = defaultdict(Decimal)
    for line in manifest["non_token_spend"]:
        non_token[(line["usage_date"], line["provider_id"], line["model_id"])] += Decimal(line["amount_usd"])
    assert {key: row["invoiced_non_token_usd"] for key, row in daily.items() if row["invoiced_non_token_usd"]} == dict(
        non_token
    )


def test_injected_drift_is_a_breach_and_nothing_is_unexplained(daily: dict, manifest: dict) -> None:
    drift = manifest["injected_drift"]
    key = (drift["usage_date"], drift["provider_id"], drift["model_id"])
    row = daily[key]
    assert row["status"] == "breach"
    assert row["invoiced_cost_usd"] == Decimal(drift["invoiced_usd"])
    assert row["drift_usd"] == row["invoiced_cost_usd"] - row["metered_cost_usd"]
    # every metered day has its invoice, every invoice its metering: the sample is complete
    statuses = {row["status"] for row in daily.values()}
    assert statuses <= {"ok", "warn", "breach"}, statuses
    assert all(row["metered_calls"] > 0 and row["invoice_lines"] > 0 for row in daily.values())


def test_metered_side_matches_the_generator(daily: dict, manifest: dict) -> None:
    expected = {
        (entry["usage_date"], entry["provider_id"], entry["model_id"]): Decimal(entry["metered_usd"])
        for entry in manifest["reconciliation_daily"]
    }
    actual = {key: row["metered_cost_usd"] for key, row in daily.items()}
    differing = {key: (expected.get(key), actual.get(key)) for key in expected.keys() | actual.keys()
                 if expected.get(key) != actual.get(key)}  # fmt: skip
    assert not differing, sorted(differing.items())[:5]


def test_injected_drift_is_the_only_breach_and_everything_else_is_ok(
    built_warehouse: Path, daily: dict, manifest: dict
) -> None:
    drift = manifest["injected_drift"]
    key = (drift["usage_date"], drift["provider_id"], drift["model_id"])
    not_ok = {k: row["status"] for k, row in daily.items() if row["status"] != "ok"}
    assert not_ok == {key: "breach"}
    row = daily[key]
    assert row["metered_cost_usd"] == Decimal(drift["metered_usd"])
    assert row["invoiced_cost_usd"] == Decimal(drift["invoiced_usd"])
    factor = Decimal(drift["factor"])
    assert abs(row["drift_pct"] - (factor - 1) / factor * 100) < Decimal("0.0001")
    # in the token-type breakdown, exactly the drifted token types of that day breach, and the web-search
    # lines (if any) are their own token type, not metered
    breakdown = query(
        built_warehouse,
        "select usage_date, provider, model, token_type, status from marts.reconciliation_token_drift_daily "
        "where status != 'ok'",
    )
    expected = {(*key, ANTHROPIC_TYPES[name]): "breach" for name in drift["token_types"]}
    for line in manifest["non_token_spend"]:
        expected[(line["usage_date"], line["provider_id"], line["model_id"], line["cost_type"])] = "not_metered"
    assert {(d.isoformat(), p, m, t): s for d, p, m, t, s in breakdown} == expected


def test_metered_cost_is_all_environment_call_cost(built_warehouse: Path, daily: dict) -> None:
    calls = query(
        built_warehouse,
        """
        select provider, environment, cost_usd from marts.fct_llm_calls where is_priced
        """,
    )
    by_provider: dict[str, Decimal] = defaultdict(Decimal)
    by_environment: dict[str, Decimal] = defaultdict(Decimal)
    for provider, environment, cost in calls:
        by_provider[provider] += cost
        by_environment[environment] += cost
    metered: dict[str, Decimal] = defaultdict(Decimal)
    for (_, provider, _), row in daily.items():
        metered[provider] += row["metered_cost_usd"]
    assert dict(metered) == dict(by_provider)
    assert sum(row["metered_calls"] for row in daily.values()) == len(calls)
    assert by_environment["staging"] > 0, "staging calls must count: providers bill them"
    unpriced = query(built_warehouse, "select count(*) from marts.fct_llm_calls where not is_priced")[0][0]
    assert unpriced > 0, "the sample's self-hosted calls are unpriced and must be left out"


def test_usage_reports_normalize_to_the_metered_token_sums(daily: dict, manifest: dict) -> None:
    # The generator writes usage reports (and FOCUS quantities) equal to the metered token sums of all
    # environments; summed over the period they must equal its ledger, type by type.
    expected: dict[tuple[str, str], dict[str, int]] = {}
    for entry in manifest["metered_cost"]["by_provider_model"]:
        if entry["is_priced"]:
            expected[(entry["provider_id"], entry["model_id"])] = {t: entry["tokens"][t] for t in TOKEN_TYPES}
    reported: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(TOKEN_TYPES, 0))
    for (_, provider, model), row in daily.items():
        assert row["has_usage_report"], (provider, model)
        for token_type in TOKEN_TYPES:
            reported[(provider, model)][token_type] += row[f"reported_{token_type}_tokens"]
    assert dict(reported) == expected
    # OpenAI and Nova (no cache writes): metered tokens equal the report every day
    for (day, provider, model), row in daily.items():
        if provider == "openai" or model.startswith("amazon.nova"):
            assert row["tokens_match"], (day, provider, model)


def test_monthly_is_the_daily_summed(built_warehouse: Path, daily: dict) -> None:
    months: dict[tuple[date, str], list[dict]] = defaultdict(list)
    for (_, provider, _), row in daily.items():
        months[(row["usage_date"].replace(day=1), provider)].append(row)
    monthly = records(built_warehouse, "select * from marts.reconciliation_monthly")
    assert {(row["month"], row["provider"]) for row in monthly} == set(months)
    for row in monthly:
        days = months[(row["month"], row["provider"])]
        metered = sum(d["metered_cost_usd"] for d in days)
        invoiced = sum(d["invoiced_cost_usd"] for d in days)
        assert row["metered_cost_usd"] == metered
        assert row["invoiced_cost_usd"] == invoiced
        assert row["drift_usd"] == invoiced - metered
        assert row["through_date"] == max(d["usage_date"] for d in days)
        for status in ("ok", "warn", "breach", "missing_invoice", "unmetered_spend"):
            assert row[f"{status}_model_days"] == sum(d["status"] == status for d in days)
        worst = min(days, key=lambda d: (-abs(d["drift_usd"]), d["usage_date"], d["model"]))
        assert (row["worst_day"], row["worst_day_model"], row["worst_day_drift_usd"]) == (
            worst["usage_date"],
            worst["model"],
            worst["drift_usd"],
        )
    assert len({row["month"] for row in monthly}) == 2, "the sample spans August and September"


def test_gateway_drift_follows_litellms_pricing(built_warehouse: Path, manifest: dict) -> None:
    calls = query(
        built_warehouse,
        """
        select call_date, provider, coalesce(price_model_id, price_model_ref), gateway_spend_usd, cost_usd
        from marts.fct_llm_calls where gateway_spend_usd is not null
        """,
    )
    spend: dict[tuple, Decimal] = defaultdict(Decimal)
    ours: dict[tuple, Decimal] = defaultdict(Decimal)
    for day, provider, model, gateway, cost in calls:
        spend[(day, provider, model)] += gateway
        ours[(day, provider, model)] += cost or 0
    rows = records(built_warehouse, "select * from marts.reconciliation_gateway_drift_daily")
    assert {(r["usage_date"], r["provider"], r["model"]) for r in rows} == set(spend)
    discount = {
        row["model_id"]: Decimal(row["price_multiplier"])
        for row in csv.DictReader((Path(__file__).parent.parent / "seeds" / "price_overrides.csv").open())
    }
    anthropic_family = {"claude-haiku-4-5", "claude-sonnet-4-5", "regional.anthropic.claude-haiku-4-5-20251001-v1:0"}
    seen = set()
    for row in rows:
        key = (row["usage_date"], row["provider"], row["model"])
        assert row["gateway_spend_usd"] + row["unpriced_gateway_spend_usd"] == spend[key]
        assert row["metered_cost_usd"] == ours[key]
        if row["priced_calls"] == 0:
            assert row["status"] == "unpriced"
            seen.add("unpriced")
        elif row["model"] in discount:  # LiteLLM bills list price, we bill the negotiated price
            assert abs(row["gateway_spend_usd"] * discount[row["model"]] - row["metered_cost_usd"]) < Decimal("1e-9")
            assert row["status"] == "breach"
            seen.add("discount")
        elif row["model"] in anthropic_family:  # LiteLLM prices cache reads at the input price
            assert row["drift_usd"] >= 0
            if row["cache_read_tokens"] > 0:
                assert row["drift_usd"] > 0
                seen.add("cache_read")
        else:  # everything else as genai-prices prices it (LiteLLM's float: 12 significant digits)
            assert abs(row["drift_usd"]) < Decimal("1e-9") * row["gateway_calls"], key
            assert row["status"] == "ok"
            seen.add("agree")
    assert seen == {"unpriced", "discount", "cache_read", "agree"}
    assert "cache read" in manifest["litellm_mispricing"]["rule"]
