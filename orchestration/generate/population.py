"""Who uses the AI features and how much: the population model (docs/GENERATOR.md, "Tenants, seats and users").

The call volume is an argument, so the population is derived from it instead of being drawn on its own:
real products have a per-user usage intensity (a light user asks for a smart reply a few times a day, an
agent power user runs dozens of agent loops), and the number of people behind N calls follows from it.

1. Intensity. Each (AI-active user, feature) pair has an intensity, user actions (request trees) per
   working day, drawn once per pair: lognormal(median, sigma) of the feature (`FeatureSpec`). Of a plan's
   users, max(1, round(adoption x users)) use a feature (`FeatureSpec.adoption`, chosen at random;
   everyone uses at least one). Within each (plan, feature) group the draws are stratified (one per
   equal-probability stratum) and moment-matched (the group mean is the lognormal mean), so a population
   of a hundred users follows the documented distribution instead of hinging on one lucky draw.
2. Users from calls. A user of plan p makes E_p calls a working day on average:
   E_p = sum_f adoption_f,p x mean intensity_f x calls per action_f (mean intensity = median x e^(sigma^2/2);
   calls per action = E[steps] x E[attempts]). Tenant t's expected share w_t of the production calls
   (the Pareto weights) then needs A_t = round(C_prod x w_t / (W x E_p)) AI-active users (at least the plan's
   share of its minimum seats: 1 starter, 2 pro, 5 enterprise),
   where C_prod is the production calls and W the working-day equivalents of the period (the sum of the
   day weights: weekends ~0.4, +12 % a month).
3. Seats from users. Seats = max(plan minimum, ceil(A_t / s_t)), s_t = the plan's share of seats that use
   AI in a month (PLAN_AI_ACTIVE_SHARE) x U(0.8, 1.2) per tenant.
4. Realised intensity. Trees pick a (user, feature) pair with probability proportional to its intensity,
   so over the period a pair makes k x intensity x W actions in expectation, k = C_prod / (W x sum of
   intensity x calls per action). k is about 1 whenever few tenants are held at the user floor (demo:
   the manifest's `population.intensity_scale`); tiny samples (fewer calls than the floors' users would
   make) get k < 1: lighter users rather than fewer tenants.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from statistics import NormalDist

import numpy as np

from orchestration.generate.catalog import FEATURES, PLAN_TIERS, STAGING_TREE_SHARE, FeatureSpec

PLAN_AI_ACTIVE_SHARE = (0.8, 0.65, 0.45)  # share of seats that are monthly AI-active users: starter, pro, enterprise
ACTIVE_SHARE_SPREAD = 0.2  # per tenant, the share is multiplied by U(1 - spread, 1 + spread)
MIN_SEATS = (1, 3, 10)  # plan minimums: a seat count below them is not sold
# A tenant on its plan's minimum seats still has the plan's share of them AI-active: 1, 2 and 5 users.
MIN_ACTIVE_USERS = tuple(math.ceil(s * a) for s, a in zip(MIN_SEATS, PLAN_AI_ACTIVE_SHARE, strict=True))
RETRY_FAILURE_PROBABILITY = 0.03  # per attempt: a timeout / 5xx after the prompt was processed
MAX_RETRIES = 3
_QUADRATURE = 4096


@cache
def _normal_cdf_table() -> tuple[np.ndarray, np.ndarray]:
    grid = np.linspace(-8.0, 8.0, 16_001)
    return np.array([NormalDist().cdf(float(x)) for x in grid]), grid


def standard_normal_quantile(probabilities: np.ndarray) -> np.ndarray:
    """Inverse standard normal CDF, vectorized (linear interpolation on a 0.001-step table)."""
    cdf, grid = _normal_cdf_table()
    return np.interp(probabilities, cdf, grid)


@cache
def _quantiles() -> tuple[float, ...]:
    """Standard normal quantiles at the midpoints of _QUADRATURE equal-probability bins."""
    normal = NormalDist()
    return tuple(normal.inv_cdf((i + 0.5) / _QUADRATURE) for i in range(_QUADRATURE))


def attempts_per_step() -> float:
    """Expected attempts of one logical step: 1 + p + p^2 + p^3 (each failure retried, at most MAX_RETRIES)."""
    return sum(RETRY_FAILURE_PROBABILITY**k for k in range(MAX_RETRIES + 1))


def calls_per_action(feature: FeatureSpec) -> float:
    """Expected LLM calls of one request tree: E[min(1 + floor(median x e^(sigma Z)), max)] x attempts per step."""
    z = np.array(_quantiles())
    steps = np.minimum(1 + np.floor(feature.steps_median_extra * np.exp(feature.steps_sigma * z)), feature.steps_max)
    return float(steps.mean()) * attempts_per_step()


def mean_actions_per_day(feature: FeatureSpec) -> float:
    return feature.actions_per_day_median * math.exp(feature.actions_per_day_sigma**2 / 2)


def expected_calls_per_user_day(plan: int) -> float:
    """E_p: calls an AI-active user of the plan makes on an average working day, over all features."""
    return sum(f.adoption[plan] * mean_actions_per_day(f) * calls_per_action(f) for f in FEATURES)


@dataclass
class Population:
    """AI-active users, seats and the (user, feature) pairs that trees are drawn from."""

    active_users: np.ndarray  # per tenant
    seats: np.ndarray  # per tenant, at the start of the period
    ai_active_share: np.ndarray  # per tenant, the drawn share of seats that use AI
    pair_tenant: np.ndarray
    pair_local_user: np.ndarray  # 0..active_users-1 within the tenant
    pair_feature: np.ndarray
    pair_intensity: np.ndarray  # drawn actions per working day (before the scale k)
    intensity_scale: float  # k: realised actions per working day = k x pair_intensity
    weekday_equivalents: float  # W
    production_calls: float  # C_prod used to size the population
    cumulative: np.ndarray  # cumulative pair_intensity, for sampling

    def pick(self, uniforms: np.ndarray) -> np.ndarray:
        """Pair indices for uniforms in [0, 1): each pair with probability proportional to its intensity."""
        index = np.searchsorted(self.cumulative, uniforms * self.cumulative[-1], side="right")
        return np.minimum(index, self.cumulative.size - 1)

    def summary(self, tenant_ids: list[str], plans: np.ndarray, weights: np.ndarray) -> dict[str, object]:
        expected = self.pair_intensity * self.intensity_scale  # the rate each pair is sampled at
        features = []
        for index, feature in enumerate(FEATURES):
            mine = self.pair_feature == index
            median_expected = round(float(np.median(expected[mine])), 4) if mine.any() else None
            features.append(
                {
                    "feature": feature.feature_id,
                    "actions_per_day_median": feature.actions_per_day_median,
                    "actions_per_day_sigma": feature.actions_per_day_sigma,
                    "adoption": dict(zip(PLAN_TIERS, feature.adoption, strict=True)),
                    "calls_per_action": round(calls_per_action(feature), 4),
                    "users": int(mine.sum()),
                    "median_actions_per_day_after_scale": median_expected,
                }
            )
        return {
            "model": "intensity-driven: users = production calls / (working-day equivalents x calls per user-day)",
            "production_calls_planned": self.production_calls,
            "weekday_equivalents": self.weekday_equivalents,
            "calls_per_user_day": {PLAN_TIERS[p]: expected_calls_per_user_day(p) for p in range(len(PLAN_TIERS))},
            "intensity_scale": self.intensity_scale,
            "ai_active_share_of_seats": dict(zip(PLAN_TIERS, PLAN_AI_ACTIVE_SHARE, strict=True)),
            "min_seats": dict(zip(PLAN_TIERS, MIN_SEATS, strict=True)),
            "min_active_users": dict(zip(PLAN_TIERS, MIN_ACTIVE_USERS, strict=True)),
            "active_users": int(self.active_users.sum()),
            "seats": int(self.seats.sum()),
            "user_feature_pairs": int(self.pair_tenant.size),
            "features": features,
            "tenants": [
                {
                    "tenant_id": tenant_id,
                    "plan_tier": PLAN_TIERS[int(plans[t])],
                    "seats": int(self.seats[t]),
                    "active_users": int(self.active_users[t]),
                    "call_share": float(weights[t]),
                    "ai_active_share": float(self.ai_active_share[t]),
                }
                for t, tenant_id in enumerate(tenant_ids)
            ],
        }


def build_population(
    rng: np.random.Generator, weights: np.ndarray, plans: np.ndarray, calls: int, day_weights: np.ndarray
) -> Population:
    """Users, seats and (user, feature) intensities for `calls` calls spread over days weighted `day_weights`."""
    tenants = weights.size
    weekday_equivalents = float(day_weights.sum())
    production_calls = calls * (1 - STAGING_TREE_SHARE)
    per_user_day = np.array([expected_calls_per_user_day(p) for p in range(len(PLAN_TIERS))])[plans]
    needed = np.rint(production_calls * weights / (weekday_equivalents * per_user_day))
    active = np.maximum(np.array(MIN_ACTIVE_USERS)[plans], needed).astype(np.int64)
    spread = rng.uniform(1 - ACTIVE_SHARE_SPREAD, 1 + ACTIVE_SHARE_SPREAD, tenants)
    share = np.minimum(np.array(PLAN_AI_ACTIVE_SHARE)[plans] * spread, 0.95)
    seats = np.maximum(np.array(MIN_SEATS)[plans], np.ceil(active / share)).astype(np.int64)

    # Which users use which feature, and how intensely: stratified within each (plan, feature) group.
    user_tenant = np.repeat(np.arange(tenants), active)
    user_local = np.arange(user_tenant.size) - np.repeat(np.cumsum(active) - active, active)
    user_plan = plans[user_tenant]
    pair_user_parts, pair_feature_parts, intensity_parts = [], [], []
    for plan in range(len(PLAN_TIERS)):
        members = np.flatnonzero(user_plan == plan)
        if members.size == 0:
            continue
        for index, feature in enumerate(FEATURES):
            n = max(1, round(feature.adoption[plan] * members.size))
            pair_user_parts.append(np.sort(rng.choice(members, size=n, replace=False)))
            pair_feature_parts.append(np.full(n, index))
            z = standard_normal_quantile((rng.permutation(n) + rng.random(n)) / n)  # one draw per stratum
            drawn = np.exp(feature.actions_per_day_sigma * z)
            # Moment matching: the group's mean is the lognormal's mean, so a small population keeps its volume.
            intensity_parts.append(drawn * mean_actions_per_day(feature) / drawn.mean())
    covered = np.zeros(user_tenant.size, dtype=bool)
    covered[np.concatenate(pair_user_parts)] = True
    idle = np.flatnonzero(~covered)  # everyone uses at least one feature: one drawn by the plan's adoption
    adoption = np.array([f.adoption for f in FEATURES]).T[user_plan[idle]]
    pair_user_parts.append(idle)
    pair_feature_parts.append(np.argmax(adoption * rng.random(adoption.shape), axis=1))
    idle_feature = pair_feature_parts[-1]
    idle_median = np.array([f.actions_per_day_median for f in FEATURES])[idle_feature]
    idle_sigma = np.array([f.actions_per_day_sigma for f in FEATURES])[idle_feature]
    intensity_parts.append(idle_median * np.exp(idle_sigma * rng.standard_normal(idle.size)))
    pair_user = np.concatenate(pair_user_parts)
    pair_feature = np.concatenate(pair_feature_parts).astype(np.int64)
    intensity = np.concatenate(intensity_parts)
    order = np.lexsort((pair_feature, pair_user))
    pair_user, pair_feature, intensity = pair_user[order], pair_feature[order], intensity[order]
    per_action = np.array([calls_per_action(f) for f in FEATURES])[pair_feature]
    scale = production_calls / (weekday_equivalents * float((intensity * per_action).sum()))
    return Population(
        active_users=active,
        seats=seats,
        ai_active_share=share,
        pair_tenant=user_tenant[pair_user].astype(np.int64),
        pair_local_user=user_local[pair_user].astype(np.int64),
        pair_feature=pair_feature.astype(np.int64),
        pair_intensity=intensity,
        intensity_scale=scale,
        weekday_equivalents=weekday_equivalents,
        production_calls=production_calls,
        cumulative=np.cumsum(intensity),
    )
