"""The simulated company's traffic, one UTC day at a time, as numpy arrays (no per-call Python).

A day is a set of request trees (user actions). Each tree has a tenant, user, plan tier, feature and
environment; it holds logical steps (1 for most features, a heavy lognormal tail for agents), each
step one or more attempts (retries after failures that still consumed tokens). Token sizes come from
the real traces (see empirical.py), prefix-cache reads and writes from Mooncake's block reuse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np

from orchestration.generate import ids
from orchestration.generate.catalog import (
    CACHE_BLOCK_TOKENS,
    FEATURE_INDEX,
    FEATURE_LABELS,
    FEATURES,
    MIN_CACHEABLE_TOKENS,
    MODEL_INDEX,
    OLD_SEARCH_LABEL,
    PLAN_TIERS,
    RENAME_DATE,
    STAGING_TREE_SHARE,
    ModelSpec,
)
from orchestration.generate.empirical import EmpiricalTables
from orchestration.generate.population import (
    MAX_RETRIES,
    MIN_SEATS,
    RETRY_FAILURE_PROBABILITY,
    Population,
    build_population,
)

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SOURCES = ("otlp", "litellm", "canonical")
OTLP, LITELLM, CANONICAL = range(3)
SOURCE_PREFERENCE = (0.65, 0.25, 0.10)  # share of trees each source would take if no cap applied
LITELLM_CAP_SHARE_OF_OTLP = 0.4  # LiteLLM is a text export too: capped at 40% of otlp_max_calls
QA_USERS = 4  # staging traffic comes from QA bots, not from customers' users
# UTC hour-of-day activity of a US/EU business SaaS.
HOUR_WEIGHTS = np.array([2, 1.5, 1, 1, 1, 1.5, 3, 5, 7, 8, 8, 8, 8, 9, 9, 9, 8, 7, 6, 5, 4, 3, 3, 2], dtype=float)
WEEKDAY_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 0.95, 0.45, 0.4)  # Monday..Sunday
MONTHLY_GROWTH = 0.12  # traffic grows ~12% a month so month-over-month metrics move
TENANT_PARETO_EXPONENT = 0.8  # rank^-a weights: a handful of tenants drive about half the tokens


def to_us(moment: datetime) -> int:
    delta = moment.astimezone(UTC) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=int(micros))


def choose_by_group(rng: np.random.Generator, groups: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """For each row, draw a category from the probability row of its group (vectorized inverse CDF)."""
    cdf = np.cumsum(probabilities, axis=1)
    cdf /= cdf[:, -1:]
    uniforms = rng.random(len(groups))
    return (uniforms[:, None] > cdf[groups]).sum(axis=1).astype(np.int64)


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer total in proportion to weights, summing exactly to total."""
    if total <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    raw = weights / weights.sum() * total
    counts = np.floor(raw).astype(np.int64)
    remainder = total - counts.sum()
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:remainder]] += 1
    return counts


@dataclass(frozen=True)
class PlanChange:
    tenant: int
    effective: date
    plan: int
    seats: int
    kind: str  # upgrade | downgrade | seats


@dataclass
class TenantBook:
    """Tenants, their seats and AI-active users (the population model) and their type-2 subscription history."""

    tenant_ids: list[str]
    weights: np.ndarray  # expected share of the production calls (the Pareto weights)
    base_plan: np.ndarray
    base_seats: np.ndarray
    signup: list[date]
    changes: list[PlanChange]
    contract_revenue: dict[int, Decimal]
    population: Population
    user_offset: np.ndarray = field(init=False)
    max_seats: np.ndarray = field(init=False)
    pair_user: np.ndarray = field(init=False)  # global user index of each (user, feature) pair

    def __post_init__(self) -> None:
        max_seats = self.base_seats.copy()
        for change in self.changes:
            max_seats[change.tenant] = max(max_seats[change.tenant], change.seats)
        self.max_seats = max_seats
        self.user_offset = np.concatenate([[0], np.cumsum(max_seats)[:-1]]).astype(np.int64)
        self.pair_user = self.user_offset[self.population.pair_tenant] + self.population.pair_local_user

    @property
    def customer_users(self) -> int:
        return int(self.max_seats.sum())

    def user_id_strings(self) -> list[str]:
        users = [
            f"u-{tenant + 1:04d}-{local + 1:05d}"
            for tenant in range(len(self.tenant_ids))
            for local in range(int(self.max_seats[tenant]))
        ]
        return users + [f"qa-bot-{k + 1:02d}" for k in range(QA_USERS)]

    def plan_and_seats_at(self, tenants: np.ndarray, times_us: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        plan = self.base_plan[tenants].copy()
        seats = self.base_seats[tenants].copy()
        for change in sorted(self.changes, key=lambda c: c.effective):
            since = to_us(datetime(change.effective.year, change.effective.month, change.effective.day, tzinfo=UTC))
            mask = (tenants == change.tenant) & (times_us >= since)
            plan[mask] = change.plan
            seats[mask] = change.seats
        return plan, seats

    def subscription_rows(self) -> list[dict[str, object]]:
        rows = []
        for tenant, tenant_id in enumerate(self.tenant_ids):
            history = [(self.signup[tenant], int(self.base_plan[tenant]), int(self.base_seats[tenant]))]
            for change in sorted((c for c in self.changes if c.tenant == tenant), key=lambda c: c.effective):
                history.append((change.effective, change.plan, change.seats))
            for index, (valid_from, plan, seats) in enumerate(history):
                valid_to = history[index + 1][0] if index + 1 < len(history) else None
                revenue = self.contract_revenue.get(tenant) if valid_to is None else None
                rows.append(
                    {
                        "tenant_id": tenant_id,
                        "plan_tier": PLAN_TIERS[plan],
                        "seats": seats,
                        "valid_from": valid_from,
                        "valid_to": valid_to,
                        "monthly_revenue_usd": revenue,
                    }
                )
        return rows


def _changed_seats(rng: np.random.Generator, kind: str, seats: int, new_plan: int, active_users: int) -> int:
    """Seats after a plan change: upgrades add 10-50 %, downgrades drop 10-40 % (never below the AI-active
    users or the plan minimum), a seat change adds ~15 %."""
    if kind == "upgrade":
        changed = math.ceil(seats * rng.uniform(1.1, 1.5))
    elif kind == "downgrade":
        changed = math.floor(seats * rng.uniform(0.6, 0.9))
    else:
        changed = seats + max(1, round(seats * 0.15))
    return max(changed, active_users, MIN_SEATS[new_plan])


def build_tenants(rng: np.random.Generator, tenants: int, start: date, days: int, calls: int) -> TenantBook:
    ranks = np.arange(1, tenants + 1, dtype=float)
    ranked_weights = ranks**-TENANT_PARETO_EXPONENT * rng.lognormal(0.0, 0.15, tenants)
    ranked_weights = np.sort(ranked_weights)[::-1]
    order = rng.permutation(tenants)  # the biggest tenant is not always t-0001
    weights = np.empty(tenants)
    weights[order] = ranked_weights
    weights /= weights.sum()

    rank_of = np.empty(tenants, dtype=np.int64)
    rank_of[order] = np.arange(tenants)
    share_rank = rank_of / max(tenants - 1, 1)
    base_plan = np.where(share_rank < 0.2, 2, np.where(share_rank < 0.6, 1, 0)).astype(np.int64)
    # Seats and users follow from the call volume (population.py); the population has its own stream.
    population = build_population(
        np.random.default_rng([int(rng.integers(2**32)), 1]), weights, base_plan, calls, day_weights(start, days)
    )
    base_seats = population.seats.copy()
    signup = [start - timedelta(days=int(rng.integers(40, 700))) for _ in range(tenants)]

    # Plan changes mid-month (type-2 history): upgrades, one downgrade, one seat change.
    changes: list[PlanChange] = []
    months = sorted({(start + timedelta(days=d)).replace(day=1) for d in range(days)})
    candidates = [int(t) for t in order[2:]]  # leave the two largest tenants on stable contracts
    kinds = ["upgrade", "downgrade", "seats"] + ["upgrade"] * max(0, round(tenants * 0.1) - 3)
    period_end = start + timedelta(days=days)
    for k, kind in enumerate(kinds):
        allowed = {"upgrade": (0, 1), "downgrade": (1, 2), "seats": (0, 1, 2)}[kind]
        tenant = next((t for t in candidates if int(base_plan[t]) in allowed), None)
        if tenant is None:
            continue
        candidates.remove(tenant)
        month = months[k % len(months)]
        effective = month.replace(day=min(12 + 3 * k, 27))
        if not (start < effective < period_end):
            effective = start + timedelta(days=max(1, days // 2))
        plan = int(base_plan[tenant])
        new_plan = {"upgrade": plan + 1, "downgrade": plan - 1, "seats": plan}[kind]
        seats = _changed_seats(rng, kind, int(base_seats[tenant]), new_plan, int(population.active_users[tenant]))
        changes.append(PlanChange(tenant, effective, new_plan, seats, kind))

    # Two enterprise tenants have negotiated contracts (the optional monthly_revenue_usd column).
    contract_revenue = {}
    enterprise = [int(t) for t in order if base_plan[t] == 2 and all(c.tenant != t for c in changes)]
    for tenant in enterprise[:2]:
        contract_revenue[tenant] = (Decimal(int(base_seats[tenant])) * Decimal("90.00") * Decimal("0.85")).quantize(
            Decimal("0.01")
        )
    return TenantBook(
        tenant_ids=[f"t-{t + 1:04d}" for t in range(tenants)],
        weights=weights,
        base_plan=base_plan,
        base_seats=base_seats,
        signup=signup,
        changes=changes,
        contract_revenue=contract_revenue,
        population=population,
    )


@dataclass(frozen=True)
class PinnedCall:
    """A call placed on purpose: price-change instants and exact cliff boundaries."""

    label: str
    model_key: str
    started_at: datetime
    source: int
    input_tokens: int
    cache_read: int
    output_tokens: int
    feature: str = "agent-assist"


@dataclass
class DayCalls:
    """One day of traffic. Tree arrays are sorted by start; call arrays are grouped by tree, in order."""

    day_index: int
    tree_start_us: np.ndarray
    tree_end_us: np.ndarray
    tree_env: np.ndarray
    tree_tenant: np.ndarray
    tree_user: np.ndarray
    tree_plan: np.ndarray
    tree_feature: np.ndarray
    tree_label: np.ndarray  # index into FEATURE_LABELS (the tag as written, 'ask-docs' before the rename)
    tree_session: np.ndarray
    tree_source: np.ndarray
    tree_global: np.ndarray
    tree_first_call: np.ndarray
    tree_calls: np.ndarray
    call_tree: np.ndarray
    call_pos: np.ndarray
    call_step: np.ndarray
    call_attempt: np.ndarray
    call_ok: np.ndarray
    call_model: np.ndarray
    call_start_us: np.ndarray
    call_latency_ms: np.ndarray
    call_input: np.ndarray
    call_cache_read: np.ndarray
    call_cache_write: np.ndarray
    call_cache_write_1h: np.ndarray
    call_output: np.ndarray
    call_reasoning: np.ndarray
    call_child_tagged: np.ndarray  # a non-root call that still carries the tags (roots are always tagged)
    call_global: np.ndarray
    pinned: dict[int, str]  # call index -> PinnedCall.label

    @property
    def calls(self) -> int:
        return len(self.call_tree)


@dataclass
class WorkloadContext:
    seed: int
    start: date
    days: int
    models: tuple[ModelSpec, ...]
    tables: EmpiricalTables
    book: TenantBook
    day_targets: np.ndarray
    otlp_budget: np.ndarray
    litellm_budget: np.ndarray
    pinned_by_day: dict[int, list[PinnedCall]]
    feature_model_probs: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        probs = np.zeros((len(FEATURES), len(self.models)))
        for fi, feature in enumerate(FEATURES):
            for key, weight in feature.models.items():
                probs[fi, MODEL_INDEX[key]] = weight
        self.feature_model_probs = probs

    @property
    def period_start_us(self) -> int:
        return to_us(datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC))

    @property
    def period_end_us(self) -> int:
        return self.period_start_us + self.days * DAY_US


def day_weights(start: date, days: int) -> np.ndarray:
    weekday = np.array([WEEKDAY_WEIGHTS[(start + timedelta(days=d)).weekday()] for d in range(days)])
    growth = (1 + MONTHLY_GROWTH) ** (np.arange(days) / 30.0)
    return weekday * growth


def _feature_column(values: list[float] | np.ndarray, features: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=float)[features]


def _segment_positions(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For segments of the given lengths: the segment index of each element and its position inside it."""
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    return owner, np.arange(owner.size, dtype=np.int64) - starts[owner]


def _draw_steps_and_attempts(
    rng: np.random.Generator, ctx: WorkloadContext, n_trees: int, day_start_us: int
) -> dict[str, np.ndarray]:
    book = ctx.book
    staging = rng.random(n_trees) < STAGING_TREE_SHARE
    # A tree is one action of a (user, feature) pair, drawn in proportion to the pair's intensity.
    pair = book.population.pick(rng.random(n_trees))
    tenant = book.population.pair_tenant[pair]
    feature = book.population.pair_feature[pair]
    hour = rng.choice(24, size=n_trees, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    start_us = day_start_us + hour * HOUR_US + rng.integers(0, HOUR_US, size=n_trees)
    plan, _ = book.plan_and_seats_at(tenant, start_us)
    user = np.where(staging, book.customer_users + rng.integers(0, QA_USERS, size=n_trees), book.pair_user[pair])

    median_extra = _feature_column([f.steps_median_extra for f in FEATURES], feature)
    sigma = _feature_column([f.steps_sigma for f in FEATURES], feature)
    steps_max = _feature_column([f.steps_max for f in FEATURES], feature)
    steps = 1 + np.floor(median_extra * np.exp(sigma * rng.standard_normal(n_trees)))
    steps = np.minimum(steps, steps_max).astype(np.int64)

    step_tree, step_pos = _segment_positions(steps)
    step_model = choose_by_group(rng, feature[step_tree], ctx.feature_model_probs)
    uniforms = rng.random(step_tree.size)
    failures = np.floor(np.log(np.maximum(uniforms, 1e-300)) / math.log(RETRY_FAILURE_PROBABILITY))
    failures = np.minimum(failures, MAX_RETRIES).astype(np.int64)
    tree_calls = np.bincount(step_tree, weights=failures + 1, minlength=n_trees).astype(np.int64)
    return {
        "staging": staging,
        "tenant": tenant,
        "start_us": start_us,
        "plan": plan,
        "feature": feature,
        "user": user,
        "steps": steps,
        "step_tree": step_tree,
        "step_pos": step_pos,
        "step_model": step_model,
        "failures": failures,
        "tree_calls": tree_calls,
    }


def _step_tokens(
    rng: np.random.Generator, ctx: WorkloadContext, feature: np.ndarray, step_pos: np.ndarray, model: np.ndarray
) -> dict[str, np.ndarray]:
    n = feature.size
    tables = ctx.tables
    mooncake = _feature_column([f.size_source == "mooncake" for f in FEATURES], feature).astype(bool)
    u_in, u_out = rng.random(n), rng.random(n)
    inp = np.where(mooncake, tables.mooncake_input.sample(u_in), tables.azure_context.sample(u_in))
    out = np.where(mooncake, tables.mooncake_output.sample(u_out), tables.azure_generated.sample(u_out))
    inp = inp * _feature_column([f.input_scale for f in FEATURES], feature)
    out = out * _feature_column([f.output_scale for f in FEATURES], feature)
    is_agent = _feature_column([f.agent_span for f in FEATURES], feature).astype(bool)
    inp = np.where(is_agent, inp * (1 + 0.05 * step_pos), inp)  # agent loops carry their growing context

    long_max = np.array([m.long_context_max for m in ctx.models], dtype=float)[model]
    long_share = _feature_column([f.long_context_share for f in FEATURES], feature)
    long_mask = (long_max > 0) & (rng.random(n) < long_share)
    inp = np.where(long_mask, 150_000 + rng.random(n) * (long_max - 150_000), inp)
    max_input = np.array([m.max_input_tokens for m in ctx.models], dtype=float)[model]
    inp = np.clip(np.rint(inp), 1, max_input).astype(np.int64)
    visible_out = np.maximum(1, np.rint(out)).astype(np.int64)

    # Prefix cache: Mooncake block reuse decides how many leading 512-token blocks are hits.
    cache_mode = np.array([m.cache_mode for m in ctx.models])[model]
    explicit = (cache_mode == "explicit_rw") | (cache_mode == "explicit_read")
    marks_breakpoint = rng.random(n) < _feature_column([f.explicit_cache_share for f in FEATURES], feature)
    eligible = (inp >= MIN_CACHEABLE_TOKENS) & ((cache_mode == "auto_read") | (explicit & marks_breakpoint))
    hit_fraction = tables.prefix_hit_fraction(inp, rng.random(n))
    hit_fraction = np.where(is_agent & (step_pos > 0), 1 - (1 - hit_fraction) * 0.3, hit_fraction)
    blocks = -(-inp // CACHE_BLOCK_TOKENS)
    hit_blocks = np.clip(np.rint(hit_fraction * blocks), 0, blocks - 1).astype(np.int64)
    cache_read = np.where(eligible, hit_blocks * CACHE_BLOCK_TOKENS, 0)
    cache_read = np.where(cache_read >= MIN_CACHEABLE_TOKENS, cache_read, 0)
    # Anthropic-family writes every new full block up to the breakpoint; the trailing partial block stays uncached.
    writes = eligible & (cache_mode == "explicit_rw")
    cache_write = np.where(writes, (blocks - 1 - hit_blocks) * CACHE_BLOCK_TOKENS, 0)
    supports_1h = np.array([m.supports_1h_cache for m in ctx.models])[model]
    one_hour = supports_1h & (rng.random(n) < _feature_column([f.one_hour_ttl_share for f in FEATURES], feature))
    cache_write_1h = np.where(one_hour, cache_write, 0)

    ratio = np.array([m.reasoning_ratio for m in ctx.models], dtype=float)[model]
    reasoning = np.rint(visible_out * ratio * rng.lognormal(0.0, 0.5, n)).astype(np.int64)
    return {
        "input": inp,
        "cache_read": cache_read.astype(np.int64),
        "cache_write": cache_write.astype(np.int64),
        "cache_write_1h": cache_write_1h.astype(np.int64),
        "visible_output": visible_out,
        "reasoning": reasoning,
    }


def _assign_sources(
    rng: np.random.Generator, tree_calls: np.ndarray, otlp_budget: int, litellm_budget: int
) -> np.ndarray:
    preference = choose_by_group(
        rng, np.zeros(tree_calls.size, dtype=np.int64), np.array([SOURCE_PREFERENCE], dtype=float)
    )
    source = preference.copy()
    for kind, budget in ((OTLP, otlp_budget), (LITELLM, litellm_budget)):
        wanted = preference == kind
        running = np.cumsum(np.where(wanted, tree_calls, 0))
        source[wanted & (running > budget)] = CANONICAL  # beyond the text-format caps: canonical Parquet
    return source


def _empty_day(day_index: int) -> DayCalls:
    """A day without traffic (tiny samples spread over many days)."""
    empty = np.zeros(0, dtype=np.int64)
    arrays = {name: empty for name in DayCalls.__dataclass_fields__ if name not in ("day_index", "pinned")}
    arrays.update(tree_session=np.zeros(0, dtype=np.uint64), call_ok=np.zeros(0, dtype=bool))
    arrays["call_child_tagged"] = np.zeros(0, dtype=bool)
    return DayCalls(day_index=day_index, pinned={}, **arrays)


def generate_day(ctx: WorkloadContext, day_index: int, tree_base: int, call_base: int) -> DayCalls:
    """All calls of one day: exactly ctx.day_targets[day_index] regular calls plus that day's pinned calls."""
    day_start_us = ctx.period_start_us + day_index * DAY_US
    target = int(ctx.day_targets[day_index])
    if target == 0 and not ctx.pinned_by_day.get(day_index):
        return _empty_day(day_index)
    attempt = 0
    estimate = max(16, int(target / 1.3) + 16)
    while True:
        rng = np.random.default_rng([ctx.seed, 1, day_index, attempt])
        drawn = _draw_steps_and_attempts(rng, ctx, estimate, day_start_us)
        if drawn["tree_calls"].sum() >= target:
            break
        attempt, estimate = attempt + 1, estimate * 2

    # Keep the first trees that reach the target; cut the last one's tail calls to hit it exactly.
    cumulative = np.cumsum(drawn["tree_calls"])
    keep_trees = int(np.searchsorted(cumulative, target, side="left")) + 1 if target > 0 else 0
    step_keep = drawn["step_tree"] < keep_trees
    steps = {k: drawn[k][step_keep] for k in ("step_tree", "step_pos", "step_model", "failures")}
    tree = {k: drawn[k][:keep_trees] for k in ("staging", "tenant", "start_us", "plan", "feature", "user")}

    tokens = _step_tokens(rng, ctx, tree["feature"][steps["step_tree"]], steps["step_pos"], steps["step_model"])
    call_step, call_attempt = _segment_positions(steps["failures"] + 1)
    if keep_trees:
        excess = int(cumulative[keep_trees - 1] - target)
        if excess:
            call_step, call_attempt = call_step[:-excess], call_attempt[:-excess]
    call_ok = call_attempt == steps["failures"][call_step]
    call_tree = steps["step_tree"][call_step]

    # Pinned calls become single-call trees of their own.
    pinned = ctx.pinned_by_day.get(day_index, [])
    n_regular_trees = keep_trees
    n_trees = n_regular_trees + len(pinned)
    top_tenant = int(np.argmax(ctx.book.weights))
    pin_start = np.array([to_us(p.started_at) for p in pinned], dtype=np.int64)
    pin_plan, _ = ctx.book.plan_and_seats_at(np.full(len(pinned), top_tenant), pin_start)
    tree_staging = np.concatenate([tree["staging"], np.zeros(len(pinned), dtype=bool)])
    tree_tenant = np.concatenate([tree["tenant"], np.full(len(pinned), top_tenant)]).astype(np.int64)
    tree_plan = np.concatenate([tree["plan"], pin_plan]).astype(np.int64)
    tree_feature = np.concatenate([tree["feature"], [FEATURE_INDEX[p.feature] for p in pinned]]).astype(np.int64)
    tree_user = np.concatenate([tree["user"], np.full(len(pinned), ctx.book.user_offset[top_tenant])])

    n_calls_regular = call_step.size
    model = np.concatenate([steps["step_model"][call_step], [MODEL_INDEX[p.model_key] for p in pinned]])
    model = model.astype(np.int64)
    inp = np.concatenate([tokens["input"][call_step], [p.input_tokens for p in pinned]]).astype(np.int64)
    cache_read = np.concatenate([tokens["cache_read"][call_step], [p.cache_read for p in pinned]]).astype(np.int64)
    zeros = np.zeros(len(pinned), dtype=np.int64)
    cache_write = np.concatenate([tokens["cache_write"][call_step], zeros])
    cache_write_1h = np.concatenate([tokens["cache_write_1h"][call_step], zeros])
    visible = tokens["visible_output"][call_step]
    reasoning = tokens["reasoning"][call_step]
    # A failed attempt was cut off mid-generation: it still billed its input and part of its output.
    failed_share = np.where(call_ok, 1.0, rng.random(n_calls_regular) * 0.5)
    visible = np.floor(visible * failed_share).astype(np.int64)
    reasoning = np.floor(reasoning * failed_share).astype(np.int64)
    pin_reasoning = np.array(
        [p.output_tokens // 2 if ctx.models[MODEL_INDEX[p.model_key]].reasoning_ratio else 0 for p in pinned],
        dtype=np.int64,
    )
    output = np.concatenate([visible + reasoning, [p.output_tokens for p in pinned]]).astype(np.int64)
    reasoning = np.concatenate([reasoning, pin_reasoning])
    call_ok = np.concatenate([call_ok, np.ones(len(pinned), dtype=bool)])
    call_attempt = np.concatenate([call_attempt, zeros]).astype(np.int64)
    call_step = np.concatenate([steps["step_pos"][call_step], zeros]).astype(np.int64)
    call_tree = np.concatenate([call_tree, np.arange(n_regular_trees, n_trees)]).astype(np.int64)
    n_calls = call_tree.size

    # Timing: calls of a tree run one after another; retries back off; agents call tools between steps.
    per_token_ms = np.where(np.isin(model, [MODEL_INDEX["gpt-5.6-sol"], MODEL_INDEX["claude-sonnet-4-5"]]), 18, 9)
    latency = (250 + inp * 0.004 + output * per_token_ms) * rng.lognormal(0.0, 0.25, n_calls)
    latency = np.where(call_ok, latency, latency * (0.3 + 0.7 * rng.random(n_calls)))
    latency_ms = np.maximum(40, np.rint(latency)).astype(np.int64)
    is_agent = _feature_column([f.agent_span for f in FEATURES], tree_feature[call_tree]).astype(bool)
    gap_ms = np.where(
        call_ok,
        30 + rng.random(n_calls) * (np.where(is_agent, 3000, 400)),
        500 * 2.0**call_attempt + rng.random(n_calls) * 250,
    )
    step_us = latency_ms * 1000 + np.rint(gap_ms * 1000).astype(np.int64) + rng.integers(0, 1000, n_calls)
    tree_calls = np.bincount(call_tree, minlength=n_trees).astype(np.int64)
    first_call = np.concatenate([[0], np.cumsum(tree_calls)[:-1]]).astype(np.int64)
    exclusive = np.cumsum(step_us) - step_us
    offset = exclusive - exclusive[first_call][call_tree]
    tree_start = np.concatenate([tree["start_us"], pin_start - 7_000]).astype(np.int64)
    lead_us = np.concatenate([rng.integers(3_000, 40_000, n_regular_trees), np.full(len(pinned), 7_000)])
    call_start = tree_start[call_tree] + lead_us[call_tree] + offset
    call_end = call_start + latency_ms * 1000
    tree_end = np.maximum.reduceat(call_end, first_call) + rng.integers(2_000, 20_000, n_trees)
    # Nothing may spill past the period's end: pull the last trees of the final day back.
    overflow = np.maximum(0, tree_end - (ctx.period_end_us - 1))
    overflow[n_regular_trees:] = 0
    tree_start -= overflow
    tree_end -= overflow
    call_start -= overflow[call_tree]
    for k, p in enumerate(pinned):  # exact instants, whatever the jitter above
        call_index = int(first_call[n_regular_trees + k])
        call_start[call_index] = to_us(p.started_at)

    rename_us = to_us(datetime(RENAME_DATE.year, RENAME_DATE.month, RENAME_DATE.day, tzinfo=UTC))
    old_label = (tree_feature == FEATURE_INDEX["search-answer"]) & (tree_start < rename_us)
    tree_label = np.where(old_label, FEATURE_LABELS.index(OLD_SEARCH_LABEL), tree_feature)

    child_share = _feature_column([f.child_tag_share for f in FEATURES], tree_feature[call_tree])
    child_tagged = rng.random(n_calls) < child_share

    source = np.concatenate(
        [
            _assign_sources(
                rng,
                tree_calls[:n_regular_trees],
                int(ctx.otlp_budget[day_index]),
                int(ctx.litellm_budget[day_index]),
            ),
            [p.source for p in pinned],
        ]
    ).astype(np.int64)
    # A user has up to three sessions a day; the session id is a hash of (user, day, k).
    session_k = rng.integers(0, 3, n_trees).astype(np.uint64)
    session_counter = tree_user.astype(np.uint64) * np.uint64(1 << 20) + np.uint64(day_index * 4) + session_k
    session = ids.hashed(ctx.seed, ids.STREAM_SESSION, session_counter)

    # Sort trees by start; calls follow their tree.
    order = np.argsort(tree_start, kind="stable")
    rank = np.empty(n_trees, dtype=np.int64)
    rank[order] = np.arange(n_trees)
    call_order = np.argsort(rank[call_tree], kind="stable")
    new_call_index = np.empty(n_calls, dtype=np.int64)
    new_call_index[call_order] = np.arange(n_calls)
    sorted_tree_calls = tree_calls[order]
    sorted_first = np.concatenate([[0], np.cumsum(sorted_tree_calls)[:-1]]).astype(np.int64)
    pinned_map = {int(new_call_index[first_call[n_regular_trees + k]]): p.label for k, p in enumerate(pinned)}
    call_pos = np.arange(n_calls, dtype=np.int64) - sorted_first[rank[call_tree][call_order]]
    return DayCalls(
        day_index=day_index,
        tree_start_us=tree_start[order],
        tree_end_us=tree_end[order],
        tree_env=tree_staging[order].astype(np.int64),
        tree_tenant=tree_tenant[order],
        tree_user=tree_user[order].astype(np.int64),
        tree_plan=tree_plan[order],
        tree_feature=tree_feature[order],
        tree_label=tree_label[order],
        tree_session=session[order],
        tree_source=source[order],
        tree_global=tree_base + np.arange(n_trees, dtype=np.int64),
        tree_first_call=sorted_first,
        tree_calls=sorted_tree_calls,
        call_tree=rank[call_tree][call_order],
        call_pos=call_pos,
        call_step=call_step[call_order],
        call_attempt=call_attempt[call_order],
        call_ok=call_ok[call_order],
        call_model=model[call_order],
        call_start_us=call_start[call_order],
        call_latency_ms=latency_ms[call_order],
        call_input=inp[call_order],
        call_cache_read=cache_read[call_order],
        call_cache_write=cache_write[call_order],
        call_cache_write_1h=cache_write_1h[call_order],
        call_output=output[call_order],
        call_reasoning=reasoning[call_order],
        call_child_tagged=child_tagged[call_order],
        call_global=call_base + np.arange(n_calls, dtype=np.int64),
        pinned=pinned_map,
    )
