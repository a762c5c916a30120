"""The unit-economics marts on the generated sample, each figure recomputed independently in Python from
the facts and the inputs (not from the intermediate models): tail percentiles with numpy
(method="linear"), per-user cost percentiles with pandas including the active users without AI calls,
the hybrid revenue and its allocation in exact Decimal arithmetic, the Pareto curve, cache savings,
budget statuses and the data-quality counts. (Conservation and the revenue sums are singular dbt tests
that ran in the ``built_warehouse`` fixture; the edge cases are dbt unit tests.)"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS = REPO_ROOT / "seeds"
ENVIRONMENT = "production"
QUANTUM = Decimal("0.000000000001")
# DuckDB's quantile_cont keeps the money column's 12 decimals (it cuts the rest); numpy works in
# float64. Anything looser than this would let a wrong interpolation through (checked below).
PERCENTILE_TOLERANCE = 2e-12


def fetch(warehouse: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).df()


def fetch_rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def month_of(day: date) -> date:
    return date(day.year, day.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def to_date(value: object) -> date | None:
    if value is None or (not isinstance(value, date) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def q12(value: Decimal) -> Decimal:
    """Round to 1e-12 half away from zero, as the models' divide_decimal does."""
    return value.quantize(QUANTUM, rounding=ROUND_HALF_UP)


def dsum(values: object) -> Decimal:
    """Exact sum of the Decimal values (unpriced calls have none)."""
    return sum((value for value in values if isinstance(value, Decimal)), Decimal(0))


def read_csv(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def plan_catalog() -> dict[str, dict[str, Decimal]]:
    return {
        row["plan_tier"]: {key: Decimal(value) for key, value in row.items() if key != "plan_tier"}
        for row in read_csv("plan_catalog.csv")
    }


def feature_aliases() -> dict[str, str]:
    return {row["alias"]: row["feature_id"] for row in read_csv("feature_aliases.csv")}


def revenue_weights() -> dict[str, Decimal]:
    return {row["feature_id"]: Decimal(row["revenue_weight"]) for row in read_csv("feature_catalog.csv")}


# --- independent inputs ---------------------------------------------------------------------------


def production_calls(warehouse: Path) -> pd.DataFrame:
    calls = fetch(
        warehouse,
        """
        select call_id, trace_id, call_date, feature, tenant_id, user_id, plan_tier, attempt, is_priced,
               cast(cost_usd as varchar) as cost_text, input_tokens_total + output_tokens as tokens
        from marts.fct_llm_calls where environment = ?
        """,
        [ENVIRONMENT],
    )
    calls["call_date"] = calls["call_date"].map(to_date)
    calls["month"] = calls["call_date"].map(month_of)
    calls["tier"] = calls["plan_tier"].fillna("(unknown)")
    calls["cost"] = calls["cost_text"].map(lambda text: Decimal(text) if isinstance(text, str) else None)
    calls["cost_float"] = calls["cost"].map(lambda value: float(value) if isinstance(value, Decimal) else 0.0)
    return calls


def subscription_periods(warehouse: Path) -> list[dict]:
    """raw.subscriptions as non-overlapping periods: a period ends at its valid_to or at the next one's start."""
    rows = fetch_rows(
        warehouse,
        """
        select tenant_id, lower(trim(plan_tier)), seats, valid_from, valid_to, cast(monthly_revenue_usd as varchar)
        from raw.subscriptions order by tenant_id, valid_from
        """,
    )
    periods = []
    for index, (tenant, tier, seats, valid_from, valid_to, contract) in enumerate(rows):
        following = rows[index + 1][3] if index + 1 < len(rows) and rows[index + 1][0] == tenant else None
        ends = [day for day in (to_date(valid_to), to_date(following)) if day is not None]
        periods.append(
            {
                "tenant_id": tenant,
                "plan_tier": tier,
                "seats": int(seats),
                "valid_from": to_date(valid_from),
                "end": min(ends) if ends else None,
                "contract": Decimal(contract) if contract is not None else None,
            }
        )
    return periods


def reporting_months(calls: pd.DataFrame, mau: pd.DataFrame) -> list[date]:
    return sorted(set(calls["month"]) | set(mau["month"]))


def product_mau(warehouse: Path) -> pd.DataFrame:
    mau = fetch(warehouse, "select month, tenant_id, feature, monthly_active_users from raw.product_mau")
    aliases = feature_aliases()
    mau["month"] = mau["month"].map(lambda value: month_of(to_date(value)))
    mau["feature"] = mau["feature"].str.strip().str.lower().map(lambda name: aliases.get(name, name))
    return mau.groupby(["month", "tenant_id", "feature"], as_index=False)["monthly_active_users"].sum()


def periods_in_month(periods: list[dict], month: date) -> list[dict]:
    """The periods in force on at least one day of the month, with their days in it, by tenant and start."""
    end_of_month = next_month(month)
    found = []
    for period in periods:
        start = max(period["valid_from"], month)
        end = end_of_month if period["end"] is None else min(period["end"], end_of_month)
        if end > start:
            found.append({**period, "start_in_month": start, "days": (end - start).days})
    return sorted(found, key=lambda period: (period["tenant_id"], period["start_in_month"]))


def month_end_tiers(subs: list[dict], calls: pd.DataFrame, months: list[date], tenants: set[str]) -> dict:
    """(tenant, month) -> tier of the month's last subscription period, else of the latest call, else '(unknown)'."""
    latest_call_tier = (
        calls.sort_values(["call_date", "call_id"]).groupby(["tenant_id", "month"])["tier"].last().to_dict()
    )
    tiers = {}
    for month in months:
        last = {period["tenant_id"]: period["plan_tier"] for period in periods_in_month(subs, month)}
        for tenant in tenants:
            tiers[(tenant, month)] = last.get(tenant) or latest_call_tier.get((tenant, month)) or "(unknown)"
    return tiers


def tenant_feature_users(calls: pd.DataFrame, mau: pd.DataFrame) -> pd.DataFrame:
    """month x tenant x feature: users seen in calls, product MAU, active users (the larger) and zeros."""
    with_user = calls[calls["user_id"].notna()]
    callers = with_user.groupby(["month", "tenant_id", "feature"])["user_id"].nunique().rename("callers")
    keys = calls[["month", "tenant_id", "feature"]].drop_duplicates()
    frame = keys.merge(mau, on=["month", "tenant_id", "feature"], how="outer")
    frame = frame.merge(callers.reset_index(), on=["month", "tenant_id", "feature"], how="left")
    frame["callers"] = frame["callers"].fillna(0).astype(int)
    frame["active"] = np.maximum(frame["monthly_active_users"].fillna(0).astype(int), frame["callers"])
    frame["zeros"] = frame["active"] - frame["callers"]
    frame["mau_below"] = frame["monthly_active_users"].fillna(0) < frame["callers"]
    return frame


# --- tail cost --------------------------------------------------------------------------------------


def test_tail_cost_percentiles_match_numpy(built_warehouse: Path) -> None:
    trees = fetch(
        built_warehouse,
        """
        select trace_id, trace_date, feature, cast(cost_usd as varchar) as cost_text
        from marts.fct_request_trees where environment = ? and cost_usd is not null
        """,
        [ENVIRONMENT],
    )
    trees["month"] = trees["trace_date"].map(lambda value: month_of(to_date(value)))
    calls = production_calls(built_warehouse)
    priced_calls = calls[calls["cost"].map(lambda value: isinstance(value, Decimal))]
    mart = fetch(built_warehouse, "select * from marts.tail_cost_monthly")
    mart["month"] = mart["month"].map(to_date)
    mart = mart.set_index(["month", "feature"])

    groups_checked = 0
    interpolation_matters = False
    for (month, feature), group in trees.groupby(["month", "feature"]):
        row = mart.loc[(month, feature)]
        costs = np.array([float(text) for text in group["cost_text"]])
        expected = np.percentile(costs, [50, 90, 95, 99], method="linear")
        for level, value in zip([50, 90, 95, 99], expected, strict=True):
            assert abs(float(row[f"p{level}_cost_per_tree_usd"]) - value) <= PERCENTILE_TOLERANCE, (
                month,
                feature,
                level,
                row[f"p{level}_cost_per_tree_usd"],
                value,
            )
        lower = np.percentile(costs, [50, 90, 95, 99], method="lower")
        interpolation_matters |= bool(np.any(np.abs(lower - expected) > 1e-9))
        assert float(row["max_cost_per_tree_usd"]) == pytest.approx(costs.max(), abs=1e-15)
        # p95 / p50 of the 12-decimal percentiles: relative error up to 1e-12 / p50
        assert float(row["tail_ratio"]) == pytest.approx(expected[2] / expected[0], rel=1e-6)
        # the most expensive 5 % of trees, in exact decimals
        exact = sorted((Decimal(text) for text in group["cost_text"]), reverse=True)
        top = math.ceil(len(exact) * 0.05)
        assert row["top_5pct_trees"] == top
        assert Decimal(str(row["top_5pct_trees_cost_share"])) == pytest.approx(
            sum(exact[:top]) / sum(exact), abs=Decimal("1e-12")
        )
        assert row["trees"] - row["unpriced_trees"] == len(group)
        groups_checked += 1

    for (month, feature), group in priced_calls.groupby(["month", "feature"]):
        row = mart.loc[(month, feature)]
        costs = np.array([float(value) for value in group["cost"]])
        expected = np.percentile(costs, [50, 90, 95, 99], method="linear")
        for level, value in zip([50, 90, 95, 99], expected, strict=True):
            assert abs(float(row[f"p{level}_cost_per_call_usd"]) - value) <= PERCENTILE_TOLERANCE, (
                month,
                feature,
                level,
            )
        retry_cost = dsum(group.loc[group["attempt"] > 0, "cost"])
        total = dsum(group["cost"])
        assert Decimal(str(row["retry_cost_share"])) == pytest.approx(retry_cost / total, abs=Decimal("1e-12"))
        assert row["retry_calls"] == int(
            (calls[(calls["month"] == month) & (calls["feature"] == feature)]["attempt"] > 0).sum()
        )

    assert groups_checked >= 12, "the sample should give a tail row per feature and month"
    assert interpolation_matters, "the sample cannot tell linear interpolation from rank selection"
    # the heavy-tailed agent feature has the heavier tail than the one-shot classifier
    ratios = mart.groupby(level="feature")["tail_ratio"].mean()
    assert ratios["agent-assist"] > ratios["rewrite-tone"]


# --- per-user cost distribution --------------------------------------------------------------------


def expected_user_distribution(warehouse: Path) -> tuple[dict, dict, pd.DataFrame, dict]:
    """(month, feature, tier) -> every active user's cost (zeros included) and the count of users with calls."""
    calls = production_calls(warehouse)
    mau = product_mau(warehouse)
    subs = subscription_periods(warehouse)
    users = tenant_feature_users(calls, mau)
    months = reporting_months(calls, mau)
    tiers = month_end_tiers(subs, calls, months, set(users["tenant_id"]) | set(calls["tenant_id"]))
    users["tier"] = [tiers[(tenant, month)] for tenant, month in zip(users["tenant_id"], users["month"], strict=True)]

    values: dict[tuple, list[float]] = defaultdict(list)
    callers: dict[tuple, int] = defaultdict(int)
    with_user = calls[calls["user_id"].notna()]
    per_user = with_user.groupby(["month", "feature", "tier", "tenant_id", "user_id"])["cost_float"].sum()
    for (month, feature, tier, _tenant, _user), cost in per_user.items():
        values[(month, feature, tier)].append(cost)
        callers[(month, feature, tier)] += 1
    for row in users.itertuples():
        values[(row.month, row.feature, row.tier)].extend([0.0] * int(row.zeros))
    return values, callers, users, tiers


def test_per_user_cost_percentiles_match_pandas_with_zero_cost_users(
    built_warehouse: Path, sample_landing: Path
) -> None:
    values, callers, users, tiers = expected_user_distribution(built_warehouse)
    calls = production_calls(built_warehouse)
    cost_by_group = calls.groupby(["month", "feature", "tier"])["cost"].apply(dsum)
    mart = fetch(built_warehouse, "select * from marts.feature_unit_economics_monthly")
    mart["month"] = mart["month"].map(to_date)
    mart = mart.set_index(["month", "feature", "plan_tier"])

    zeros_change_the_median = False
    for key, population in values.items():
        row = mart.loc[key]
        series = pd.Series(population, dtype=float)
        expected = series.quantile([0.1, 0.5, 0.9])  # pandas' default: linear interpolation
        assert row["active_users"] == len(population), key
        assert abs(float(row["p10_cost_per_active_user_usd"]) - expected[0.1]) <= PERCENTILE_TOLERANCE, key
        assert abs(float(row["p50_cost_per_active_user_usd"]) - expected[0.5]) <= PERCENTILE_TOLERANCE, key
        assert abs(float(row["p90_cost_per_active_user_usd"]) - expected[0.9]) <= PERCENTILE_TOLERANCE, key
        assert row["users_with_ai_calls"] == callers.get(key, 0), key
        mean = cost_by_group.get(key, Decimal(0)) / len(population)
        assert Decimal(str(row["cost_per_active_user_usd"])) == pytest.approx(mean, abs=Decimal("1e-12")), key
        with_calls_only = series[series > 0]
        if (
            row["users_without_ai_calls"] > 0
            and len(with_calls_only)
            and (abs(with_calls_only.quantile(0.5) - expected[0.5]) > 1e-9)
        ):
            zeros_change_the_median = True

    assert len(values) == len(mart[mart["active_users"] > 0]), "every mart row with users was recomputed"
    assert zeros_change_the_median, "the sample has no group where the zero-cost users move the median"
    assert users["zeros"].sum() > 0

    # the generator reports one group's MAU below the users seen in calls: flagged, the larger count used
    manifest = json.loads((sample_landing / "generator_manifest.json").read_text())
    gap = manifest["mau_below_call_users"]
    month = date.fromisoformat(gap["month"])
    group = users[
        (users["month"] == month) & (users["tenant_id"] == gap["tenant_id"]) & (users["feature"] == gap["feature_id"])
    ].iloc[0]
    assert group["active"] == gap["users_with_calls"] > gap["monthly_active_users"]
    assert bool(mart.loc[(month, gap["feature_id"], tiers[(gap["tenant_id"], month)]), "is_mau_below_call_users"])


# --- revenue ------------------------------------------------------------------------------------------


def expected_revenue(warehouse: Path) -> tuple[dict, dict, dict]:
    """Per (tenant, month): revenue by the hybrid model in exact Decimal; per (tenant, month, tier): slices."""
    catalog = plan_catalog()
    calls = production_calls(warehouse)
    mau = product_mau(warehouse)
    subs = subscription_periods(warehouse)
    months = reporting_months(calls, mau)
    revenue: dict[tuple, Decimal] = {}
    slices: dict[tuple, Decimal] = defaultdict(Decimal)
    periods_per_month: dict[tuple, int] = {}
    for month in months:
        days_in_month = (next_month(month) - month).days
        month_calls = calls[calls["month"] == month]
        by_tenant: dict[str, list[dict]] = defaultdict(list)
        for period in periods_in_month(subs, month):
            by_tenant[period["tenant_id"]].append(period)
        for tenant, tenant_periods in by_tenant.items():
            periods_per_month[(tenant, month)] = len(tenant_periods)
            seat_revenue = Decimal(0)
            included = Decimal(0)
            for period in tenant_periods:
                plan = catalog[period["plan_tier"]]
                monthly = period["contract"] or period["seats"] * plan["price_per_seat_usd"]
                part = q12(monthly * period["days"] / days_in_month)
                seat_revenue += part
                slices[(tenant, month, period["plan_tier"])] += part
                included += q12(period["seats"] * plan["included_credits_per_seat"] * period["days"] / days_in_month)
            used = Decimal(0)
            tenant_calls = month_calls[month_calls["tenant_id"] == tenant]
            for tier, tier_calls in tenant_calls.groupby("tier"):
                used += q12(dsum(tier_calls["cost"]) * catalog.get(tier, {}).get("credits_per_usd_cost", Decimal(0)))
            month_end_tier = tenant_periods[-1]["plan_tier"]
            overage = q12(max(used - included, Decimal(0)) * catalog[month_end_tier]["overage_price_per_credit_usd"])
            slices[(tenant, month, month_end_tier)] += overage
            revenue[(tenant, month)] = seat_revenue + overage
    return revenue, dict(slices), periods_per_month


def test_revenue_is_prorated_by_days_and_matches_the_hybrid_model_exactly(
    built_warehouse: Path, sample_landing: Path
) -> None:
    revenue, _, periods_per_month = expected_revenue(built_warehouse)
    mart = fetch_rows(
        built_warehouse,
        "select tenant_id, month, revenue_usd, has_subscription from marts.tenant_cost_profile_monthly",
    )
    actual = {(tenant, month): value for tenant, month, value, subscribed in mart if subscribed}
    assert actual == revenue
    assert all(value == 0 for tenant, month, value, subscribed in mart if not subscribed)

    # every mid-month plan change of the generator shows as a month with two pro-rated periods
    manifest = json.loads((sample_landing / "generator_manifest.json").read_text())
    changes = manifest["plan_changes"]
    assert changes, "the sample should contain plan changes"
    for change in changes:
        effective = date.fromisoformat(change["effective"])
        if effective.day > 1 and (change["tenant_id"], month_of(effective)) in periods_per_month:
            assert periods_per_month[(change["tenant_id"], month_of(effective))] == 2, change
    # a contracted monthly revenue replaces seats x price
    for tenant, amount in manifest["contract_revenue"].items():
        full_months = [value for (name, _), value in revenue.items() if name == tenant]
        assert Decimal(amount) in full_months


def test_revenue_is_allocated_to_features_by_weighted_mau(built_warehouse: Path) -> None:
    _, slices, _ = expected_revenue(built_warehouse)
    _, _, users, _ = expected_user_distribution(built_warehouse)
    calls = production_calls(built_warehouse)
    weights = revenue_weights()
    cost = calls.groupby(["tenant_id", "month", "feature"])["cost"].apply(dsum).to_dict()

    expected: dict[tuple, Decimal] = defaultdict(Decimal)
    for (tenant, month, tier), amount in slices.items():
        features = users[(users["tenant_id"] == tenant) & (users["month"] == month)]
        rule = {row.feature: weights.get(row.feature, Decimal(0)) * int(row.active) for row in features.itertuples()}
        if sum(rule.values()) == 0:
            rule = {feature: value for (name, when, feature), value in cost.items() if (name, when) == (tenant, month)}
        if sum(rule.values()) == 0:
            rule = {"(untagged)": Decimal(1)}
        total = sum(rule.values())
        for feature, weight in rule.items():
            expected[(month, feature, tier)] += amount * weight / total

    mart = fetch_rows(
        built_warehouse,
        "select month, feature, plan_tier, allocated_revenue_usd from marts.feature_unit_economics_monthly",
    )
    actual = {(month, feature, tier): value for month, feature, tier, value in mart}
    for key, value in expected.items():
        # each tenant's rounding remainder (< 1e-12 per feature) may land on this row
        assert actual.get(key, Decimal(0)) == pytest.approx(value, abs=Decimal("1e-9")), key
    assert sum(value for key, value in actual.items() if key not in expected) == 0
    assert sum(actual.values()) == sum(slices.values())


# --- tenants ------------------------------------------------------------------------------------------


def test_tenant_pareto_curve_and_shares(built_warehouse: Path) -> None:
    calls = production_calls(built_warehouse)
    mart = fetch(built_warehouse, "select * from marts.tenant_cost_profile_monthly")
    mart["month"] = mart["month"].map(to_date)
    for month, rows in mart.groupby("month"):
        month_calls = calls[calls["month"] == month]
        cost = month_calls.groupby("tenant_id")["cost"].apply(dsum)
        tokens = month_calls.groupby("tenant_id")["tokens"].sum()
        total_cost, total_tokens = dsum(cost), int(tokens.sum())
        ranked = sorted(
            ((cost.get(tenant, Decimal(0)), tenant) for tenant in rows["tenant_id"]),
            key=lambda item: (-item[0], item[1]),
        )
        cumulative = Decimal(0)
        by_tenant = rows.set_index("tenant_id")
        for rank, (tenant_cost, tenant) in enumerate(ranked, start=1):
            cumulative += tenant_cost
            row = by_tenant.loc[tenant]
            assert row["cost_rank"] == rank, (month, tenant)
            assert Decimal(str(row["cost_share"])) == pytest.approx(tenant_cost / total_cost, abs=Decimal("1e-12"))
            assert Decimal(str(row["cumulative_cost_share"])) == pytest.approx(
                cumulative / total_cost, abs=Decimal("1e-12")
            )
            assert float(row["token_share"]) == pytest.approx(int(tokens.get(tenant, 0)) / total_tokens, abs=1e-12)
        assert float(by_tenant["cumulative_cost_share"].max()) == 1.0
        top5 = sum(value for value, _ in ranked[:5]) / total_cost
        assert float(by_tenant.loc[by_tenant["cost_rank"] == 5, "cumulative_cost_share"].iloc[0]) == pytest.approx(
            float(top5), abs=1e-12
        )
        # a long tail: the five largest tenants carry a disproportionate share of the cost
        assert top5 > Decimal(5) / len(ranked)


# --- cache savings, budgets, data quality ----------------------------------------------------------------


def test_cache_savings_match_the_calls(built_warehouse: Path) -> None:
    calls = fetch(
        built_warehouse,
        """
        select call_date, provider, coalesce(price_model_id, model) as model, feature,
               input_tokens_total, cache_read_tokens, cast(cost_usd as double) as cost,
               cast(list_cost_usd as double) as list_cost
        from marts.fct_llm_calls where environment = ?
        """,
        [ENVIRONMENT],
    )
    expected = calls.groupby(["call_date", "provider", "model", "feature"], dropna=False).agg(
        calls=("cost", "size"),
        input_tokens=("input_tokens_total", "sum"),
        cache_read=("cache_read_tokens", "sum"),
        cost=("cost", "sum"),
        list_cost=("list_cost", "sum"),
    )
    mart = fetch(built_warehouse, "select * from marts.cache_savings_daily").set_index(
        ["call_date", "provider", "model", "feature"]
    )
    assert len(mart) == len(expected)
    joined = expected.join(mart, rsuffix="_mart")
    assert (joined["calls"] == joined["calls_mart"]).all()
    np.testing.assert_allclose(joined["cost_usd"].astype(float), joined["cost"], atol=1e-9)
    np.testing.assert_allclose(
        joined["cache_hit_ratio"].astype(float), joined["cache_read"] / joined["input_tokens"], atol=1e-12
    )
    priced = joined[joined["cost"] > 0]
    np.testing.assert_allclose(
        priced["over_report_pct"].astype(float),
        (priced["list_cost"] - priced["cost"]) / priced["cost"] * 100,
        rtol=1e-9,
    )
    assert (joined["cache_read"] > 0).any() and (priced["over_report_pct"].astype(float) > 0).any()


def test_budget_statuses_follow_caps_and_overrides(built_warehouse: Path) -> None:
    catalog = plan_catalog()
    subs = subscription_periods(built_warehouse)
    overrides = read_csv("tenant_budget_overrides.csv")
    threshold = Decimal("0.8")
    calls = production_calls(built_warehouse)
    spend = calls.groupby(["call_date", "tenant_id"])["cost"].apply(dsum).to_dict()
    days = sorted(set(calls["call_date"]))

    expected = {}
    for day in days:
        plans = {
            period["tenant_id"]: period
            for period in subs
            if period["valid_from"] <= day and (period["end"] is None or day < period["end"])
        }
        tenants = set(plans) | {tenant for (when, tenant) in spend if when == day}
        for tenant in tenants:
            cap = None
            matching = [
                row
                for row in overrides
                if row["tenant_id"] == tenant
                and date.fromisoformat(row["valid_from"]) <= day
                and (not row["valid_to"] or day < date.fromisoformat(row["valid_to"]))
            ]
            if matching:
                cap = Decimal(max(matching, key=lambda row: row["valid_from"])["daily_cap_usd"])
            elif tenant in plans:
                cap = plans[tenant]["seats"] * catalog[plans[tenant]["plan_tier"]]["daily_cap_per_seat_usd"]
            amount = spend.get((day, tenant), Decimal(0))
            if cap is None:
                status = "no_cap"
            elif amount == 0:
                status = "ok"
            elif amount > cap:
                status = "breached"
            elif amount >= cap * threshold:
                status = "approaching"
            else:
                status = "ok"
            expected[(day, tenant)] = (cap, amount, status)

    rows = fetch_rows(
        built_warehouse,
        "select alert_date, tenant_id, daily_cap_usd, spend_usd, status from marts.budget_alerts_daily",
    )
    actual = {(day, tenant): (cap, amount, status) for day, tenant, cap, amount, status in rows}
    assert actual == expected
    assert any(tenant == "t-0001" and day >= date(2026, 9, 1) for day, tenant in actual), "override tenant-days"


def test_data_quality_counts_match_manifest_quarantine_and_calls(built_warehouse: Path) -> None:
    mart = fetch(built_warehouse, "select * from marts.data_quality_daily")
    mart["quality_date"] = mart["quality_date"].map(to_date)
    mart = mart.set_index(["quality_date", "source"])
    quarantine = fetch(
        built_warehouse,
        "select source, reason, cast(quarantined_at as date) as day from raw.quarantine",
    )
    assert len(quarantine) > 0, "the sample carries bad records"
    for (day, source, reason), count in quarantine.groupby(["day", "source", "reason"]).size().items():
        assert mart.loc[(to_date(day), source), f"quarantined_{reason}_rows"] == count, (day, source, reason)
    assert mart["rows_quarantined"].sum() == len(quarantine)

    manifest = fetch(
        built_warehouse,
        """
        select cast(loaded_at as date) as day, source, sum(rows_loaded) as rows_loaded, sum(rows_skipped) as skipped
        from raw.load_manifest where status <> 'replaced' group by all
    """,
    )
    for row in manifest.itertuples():
        assert mart.loc[(to_date(row.day), row.source), "rows_loaded"] == row.rows_loaded
        assert mart.loc[(to_date(row.day), row.source), "rows_skipped"] == row.skipped

    calls = fetch(
        built_warehouse,
        """
        select call_date, source, count(*) as calls, count(*) filter (where not is_priced) as unpriced,
               coalesce(sum(input_tokens_total + output_tokens) filter (where not is_priced), 0) as unpriced_tokens
        from marts.fct_llm_calls group by all
    """,
    )
    for row in calls.itertuples():
        day = (to_date(row.call_date), row.source)
        assert mart.loc[day, "calls"] == row.calls
        assert mart.loc[day, "unpriced_calls"] == row.unpriced
        assert mart.loc[day, "unpriced_tokens"] == row.unpriced_tokens
    assert calls["unpriced"].sum() > 0, "the sample has unpriced calls (self-hosted model)"
