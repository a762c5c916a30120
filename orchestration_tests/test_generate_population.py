"""The generator's population model (docs/GENERATOR.md, "Tenants, seats and users"): AI-active users and
seats follow from the call volume and a documented per-user intensity, so per-user usage stays realistic
at any --calls, while a handful of tenants keep producing about half the tokens.

Usage is read back from the written files (canonical Parquet, the subscription export) and set against
the model recomputed here from its documented parameters (day weights, lognormal intensities, adoption,
tree sizes and retries), not against the generator's internals.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from orchestration.generate import generate_workload
from orchestration.generate.catalog import FEATURES

SMALL = {"calls": 30_000, "days": 10, "tenants": 40, "seed": 5, "otlp_max_calls": 0}  # canonical only: fast
LARGE = {**SMALL, "calls": 120_000}
START = date(2026, 8, 1)
# The documented model (docs/GENERATOR.md).
WEEKDAY_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 0.95, 0.45, 0.4)  # Monday..Sunday
MONTHLY_GROWTH = 0.12
STAGING_TREE_SHARE = 0.07
RETRY_FAILURE_PROBABILITY = 0.03
MAX_RETRIES = 3
PLAN_AI_ACTIVE_SHARE = {"starter": 0.8, "pro": 0.65, "enterprise": 0.45}
ACTIVE_SHARE_SPREAD = 0.2
MIN_SEATS = {"starter": 1, "pro": 3, "enterprise": 10}
MIN_ACTIVE_USERS = {plan: math.ceil(MIN_SEATS[plan] * share) for plan, share in PLAN_AI_ACTIVE_SHARE.items()}
OLD_LABELS = {"ask-docs": "search-answer"}


@dataclass
class Written:
    manifest: dict
    trees: pd.DataFrame  # production request trees: tenant, user, feature, calls, tokens
    base_seats: dict[str, tuple[str, int]]  # tenant -> (plan tier, seats) of its first subscription row


def _read(root: Path) -> pd.DataFrame:
    columns = ["call_id", "trace_id", "parent_call_id", "started_at", "environment", "feature", "tenant_id"]
    columns += ["user_id", "input_tokens", "output_tokens"]
    frames = [pq.read_table(p, columns=columns).to_pandas() for p in sorted(root.glob("traces/canonical/**/*.parquet"))]
    calls = pd.concat(frames, ignore_index=True)
    # The few deliberately bad records: negative tokens, a 2099 timestamp, duplicated call ids (first is genuine).
    good = (calls["input_tokens"] >= 0) & (calls["output_tokens"] >= 0) & (calls["started_at"].dt.year < 2090)
    return calls[good].drop_duplicates("call_id", keep="first")


def _written(root: Path, arguments: dict) -> Written:
    manifest = generate_workload(root, **arguments)
    calls = _read(root)
    roots = calls[calls["parent_call_id"].isna()].set_index("trace_id")
    per_tree = calls.groupby("trace_id").agg(
        calls=("call_id", "size"), tokens=("input_tokens", "sum"), output=("output_tokens", "sum")
    )
    trees = roots[["environment", "feature", "tenant_id", "user_id"]].join(per_tree)
    trees["tokens"] += trees.pop("output")
    trees["feature"] = trees["feature"].replace(OLD_LABELS)
    trees = trees[trees["environment"] == "production"]
    (path,) = root.glob("product/subscriptions/*.csv")
    with path.open(newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda r: (r["tenant_id"], r["valid_from"]))
    base_seats: dict[str, tuple[str, int]] = {}
    for row in rows:
        base_seats.setdefault(row["tenant_id"], (row["plan_tier"], int(row["seats"])))
    return Written(manifest, trees, base_seats)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Written:
    return _written(tmp_path_factory.mktemp("small"), SMALL)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Written:
    return _written(tmp_path_factory.mktemp("large"), LARGE)


def _weekday_equivalents(days: int) -> float:
    return sum(
        WEEKDAY_WEIGHTS[(START + timedelta(days=d)).weekday()] * (1 + MONTHLY_GROWTH) ** (d / 30) for d in range(days)
    )


def _calls_per_action(feature) -> float:
    """E[calls of a tree]: steps 1 + floor(lognormal) capped at the max, each step retried after 3% failures."""
    z = np.random.default_rng(0).standard_normal(1_000_000)
    steps = np.minimum(1 + np.floor(feature.steps_median_extra * np.exp(feature.steps_sigma * z)), feature.steps_max)
    return float(steps.mean()) * sum(RETRY_FAILURE_PROBABILITY**k for k in range(MAX_RETRIES + 1))


def test_seats_and_active_users_follow_the_documented_model(small: Written) -> None:
    population = small.manifest["population"]
    days = SMALL["days"]
    weekday_equivalents = _weekday_equivalents(days)
    assert population["weekday_equivalents"] == pytest.approx(weekday_equivalents, rel=1e-12)

    # Calls an AI-active user makes on a working day: adoption x mean lognormal intensity x calls per action.
    documented = {f["feature"]: f for f in population["features"]}
    per_user_day = dict.fromkeys(PLAN_AI_ACTIVE_SHARE, 0.0)
    for feature in FEATURES:
        listed = documented[feature.feature_id]
        assert listed["calls_per_action"] == pytest.approx(_calls_per_action(feature), rel=0.01)
        mean_intensity = listed["actions_per_day_median"] * math.exp(listed["actions_per_day_sigma"] ** 2 / 2)
        for plan, adoption in listed["adoption"].items():
            per_user_day[plan] += adoption * mean_intensity * _calls_per_action(feature)
    for plan, value in per_user_day.items():
        assert population["calls_per_user_day"][plan] == pytest.approx(value, rel=0.01)
    assert 15 < per_user_day["starter"] < per_user_day["pro"] < per_user_day["enterprise"] < 40

    production_calls = SMALL["calls"] * (1 - STAGING_TREE_SHARE)
    users_in_calls = small.trees.groupby("tenant_id")["user_id"].nunique()
    for tenant in population["tenants"]:
        plan, share = tenant["plan_tier"], tenant["ai_active_share"]
        exact = production_calls * tenant["call_share"] / (weekday_equivalents * population["calls_per_user_day"][plan])
        assert tenant["active_users"] == max(MIN_ACTIVE_USERS[plan], round(exact))
        assert users_in_calls.get(tenant["tenant_id"], 0) <= tenant["active_users"]
        lower, upper = PLAN_AI_ACTIVE_SHARE[plan] * (1 - ACTIVE_SHARE_SPREAD), PLAN_AI_ACTIVE_SHARE[plan] * 1.2
        assert lower <= share <= min(upper, 0.95)
        expected_seats = max(MIN_SEATS[plan], math.ceil(tenant["active_users"] / share))
        assert small.base_seats[tenant["tenant_id"]] == (plan, expected_seats) == (plan, tenant["seats"])
    # Nearly every AI-active user shows up in ten days of calls, and nobody outside the tenant's seats does.
    assert users_in_calls.sum() >= 0.95 * population["active_users"]
    local = small.trees["user_id"].str.rsplit("-", n=1).str[1].astype(int)
    seats = small.trees["tenant_id"].map(lambda t: small.base_seats[t][1])
    assert (local <= seats).all()
    # The plan mix: enterprise tenants are the big ones, starter the small ones.
    by_plan = pd.DataFrame(small.base_seats.values(), columns=["plan", "seats"]).groupby("plan")["seats"].median()
    assert by_plan["enterprise"] > by_plan["pro"] > by_plan["starter"]


def test_per_user_intensity_follows_the_lognormal_of_its_feature(small: Written) -> None:
    population = small.manifest["population"]
    documented = {f["feature"]: f for f in population["features"]}
    days = _weekday_equivalents(SMALL["days"])
    pairs = small.trees.groupby(["tenant_id", "user_id", "feature"]).agg(
        trees=("calls", "size"), calls=("calls", "sum")
    )
    pairs = pairs.reset_index()
    assert len(pairs) >= 0.95 * population["user_feature_pairs"]
    median = pairs["feature"].map(lambda f: documented[f]["actions_per_day_median"])
    sigma = pairs["feature"].map(lambda f: documented[f]["actions_per_day_sigma"])
    # Realised actions per working day, over the scale k, are lognormal(median, sigma) of the feature:
    # standardised, they are about N(0, 1) (Poisson noise of ten days widens them a little).
    rate = pairs["trees"] / days
    z = (np.log(rate / population["intensity_scale"]) - np.log(median)) / sigma
    assert abs(z.mean()) < 0.2
    assert 0.8 < z.std() < 1.3
    assert abs(np.median(z)) < 0.25
    # Feature by feature: the median and the spread of the documented lognormal.
    log_rate = np.log(rate / population["intensity_scale"])
    for feature, group in log_rate.groupby(pairs["feature"]):
        if len(group) < 30:
            continue
        assert 0.7 < math.exp(group.median()) / documented[feature]["actions_per_day_median"] < 1.4, feature
        assert 0.75 < group.std() / documented[feature]["actions_per_day_sigma"] < 1.45, feature

    calls_per_day = pairs.assign(per_day=pairs["calls"] / days).groupby("feature")["per_day"]
    # Agentic power users make tens to hundreds of calls a day; light features a few.
    assert calls_per_day.max()["agent-assist"] >= 50
    assert 10 <= calls_per_day.median()["agent-assist"] <= 80
    for light in ("rewrite-tone", "translate-message", "extract-action-items", "meeting-notes"):
        assert 0.3 <= calls_per_day.median()[light] <= 5


def test_users_and_seats_scale_with_the_call_volume(small: Written, large: Written) -> None:
    days = _weekday_equivalents(SMALL["days"])
    figures = {}
    for name, written in (("small", small), ("large", large)):
        users = written.trees.groupby("tenant_id")["user_id"].nunique().sum()
        seats = sum(s for _, s in written.base_seats.values())
        figures[name] = (users, seats, written.trees["calls"].sum() / users / days)
    ratio = LARGE["calls"] / SMALL["calls"]
    assert 0.8 * ratio < figures["large"][0] / figures["small"][0] < 1.2 * ratio
    assert 0.6 * ratio < figures["large"][1] / figures["small"][1] < 1.2 * ratio  # plan minimums damp the small one
    assert figures["large"][2] == pytest.approx(figures["small"][2], rel=0.2)  # calls per user-day do not
    assert 15 < figures["small"][2] < 45


def test_a_handful_of_tenants_produce_about_half_the_tokens(small: Written) -> None:
    tokens = small.trees.groupby("tenant_id")["tokens"].sum()
    shares = np.sort(tokens.to_numpy(dtype=float))[::-1] / tokens.sum()
    assert 0.35 < shares[:5].sum() < 0.75
    assert shares[:20].sum() > 0.8
