"""What the sample company runs: its models, features, plans and environments.

Every model string here is checked against genai-prices at import time (request alias, response
snapshot and the strings the invoices use must all resolve to the same genai-prices model), so a
package upgrade that breaks a mapping fails loudly instead of writing unpriceable data.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from genai_prices.data_snapshot import get_snapshot

from orchestration.settings import REPO_ROOT

SEEDS_DIR = REPO_ROOT / "seeds"
DEFAULT_START = date(2026, 8, 1)
RENAME_DATE = date(2026, 9, 1)  # 'search-answer' was tagged 'ask-docs' before this day (seeds/feature_aliases.csv)
ENVIRONMENTS = ("production", "staging")
STAGING_TREE_SHARE = 0.07
PLAN_TIERS = ("starter", "pro", "enterprise")
CACHE_BLOCK_TOKENS = 512  # Mooncake's hash block size; prefix-cache hits come in whole blocks
MIN_CACHEABLE_TOKENS = 1024  # OpenAI and Anthropic cache nothing below this prompt length


@dataclass(frozen=True)
class ModelSpec:
    key: str
    otel_provider: str  # gen_ai.provider.name (OTel semantic conventions)
    request_model: str
    response_model: str
    litellm_provider: str  # LiteLLM custom_llm_provider
    litellm_model_group: str
    billing: str | None  # which invoice/usage export bills it: openai | anthropic | bedrock | None (self-hosted)
    cache_mode: str  # auto_read (OpenAI) | explicit_rw (Anthropic family) | explicit_read (Nova) | none
    supports_1h_cache: bool = False
    reasoning_ratio: float = 0.0  # median reasoning tokens per visible output token (gpt-5.x)
    max_input_tokens: int = 190_000
    long_context_max: int = 0  # >0: a small share of calls draw inputs up to this size (crosses the price cliff)
    bedrock_usage_prefix: str = ""  # AWS usage type prefix in the FOCUS export, e.g. USE1-Nova-Pro
    bedrock_display_name: str = ""
    anthropic_display_name: str = ""
    price_provider_id: str = field(default="", compare=False)
    price_model_id: str = field(default="", compare=False)

    @property
    def is_anthropic_family(self) -> bool:
        return self.cache_mode == "explicit_rw"

    @property
    def litellm_model(self) -> str:
        return self.response_model


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        key="gpt-5.6-sol",
        otel_provider="openai",
        request_model="gpt-5.6-sol",
        response_model="gpt-5.6-sol-2026-07-15",
        litellm_provider="openai",
        litellm_model_group="gpt-5.6-sol",
        billing="openai",
        cache_mode="auto_read",
        reasoning_ratio=1.5,
        max_input_tokens=400_000,
        long_context_max=420_000,
    ),
    ModelSpec(
        key="gpt-5.4-mini",
        otel_provider="openai",
        request_model="gpt-5.4-mini",
        response_model="gpt-5.4-mini-2026-03-17",
        litellm_provider="openai",
        litellm_model_group="gpt-5.4-mini",
        billing="openai",
        cache_mode="auto_read",
        reasoning_ratio=0.6,
        max_input_tokens=380_000,
    ),
    ModelSpec(
        key="gpt-4.1-mini",
        otel_provider="openai",
        request_model="gpt-4.1-mini",
        response_model="gpt-4.1-mini-2025-04-14",
        litellm_provider="openai",
        litellm_model_group="gpt-4.1-mini",
        billing="openai",
        cache_mode="auto_read",
        max_input_tokens=900_000,
    ),
    ModelSpec(
        key="claude-sonnet-4-5",
        otel_provider="anthropic",
        request_model="claude-sonnet-4-5",
        response_model="claude-sonnet-4-5-20250929",
        litellm_provider="anthropic",
        litellm_model_group="claude-sonnet-4-5",
        billing="anthropic",
        cache_mode="explicit_rw",
        supports_1h_cache=True,
        max_input_tokens=900_000,
        long_context_max=320_000,
        anthropic_display_name="Claude Sonnet 4.5",
    ),
    ModelSpec(
        key="claude-haiku-4-5",
        otel_provider="anthropic",
        request_model="claude-haiku-4-5",
        response_model="claude-haiku-4-5-20251001",
        litellm_provider="anthropic",
        litellm_model_group="claude-haiku-4-5",
        billing="anthropic",
        cache_mode="explicit_rw",
        supports_1h_cache=True,
        anthropic_display_name="Claude Haiku 4.5",
    ),
    ModelSpec(
        key="amazon.nova-pro-v1:0",
        otel_provider="aws.bedrock",
        request_model="amazon.nova-pro-v1:0",
        response_model="amazon.nova-pro-v1:0",
        litellm_provider="bedrock",
        litellm_model_group="nova-pro",
        billing="bedrock",
        cache_mode="explicit_read",
        max_input_tokens=290_000,
        bedrock_usage_prefix="USE1-Nova-Pro",
        bedrock_display_name="Amazon Nova Pro",
    ),
    ModelSpec(
        key="amazon.nova-lite-v1:0",
        otel_provider="aws.bedrock",
        request_model="amazon.nova-lite-v1:0",
        response_model="amazon.nova-lite-v1:0",
        litellm_provider="bedrock",
        litellm_model_group="nova-lite",
        billing="bedrock",
        cache_mode="explicit_read",
        max_input_tokens=290_000,
        bedrock_usage_prefix="USE1-Nova-Lite",
        bedrock_display_name="Amazon Nova Lite",
    ),
    ModelSpec(
        key="anthropic.claude-haiku-4-5-20251001-v1:0",
        otel_provider="aws.bedrock",
        request_model="anthropic.claude-haiku-4-5-20251001-v1:0",
        response_model="anthropic.claude-haiku-4-5-20251001-v1:0",
        litellm_provider="bedrock",
        litellm_model_group="claude-haiku-bedrock",
        billing="bedrock",
        cache_mode="explicit_rw",
        supports_1h_cache=True,
        bedrock_usage_prefix="USE1-Claude-Haiku-4-5",
        bedrock_display_name="Claude Haiku 4.5 (Amazon Bedrock Edition)",
    ),
    ModelSpec(
        key="acme-llm-7b",
        otel_provider="selfhosted",
        request_model="acme-llm-7b",
        response_model="acme-llm-7b-2026-06",
        litellm_provider="hosted_vllm",
        litellm_model_group="acme-llm-7b",
        billing=None,
        cache_mode="none",
        max_input_tokens=30_000,
    ),
)
MODEL_INDEX = {model.key: index for index, model in enumerate(MODELS)}
UNPRICED_MODEL_KEYS = frozenset({"acme-llm-7b"})


@dataclass(frozen=True)
class FeatureSpec:
    feature_id: str
    # Usage intensity (the population model, docs/GENERATOR.md): an active user of the feature makes
    # lognormal(median, sigma) user actions (request trees) a working day, drawn once per user.
    actions_per_day_median: float
    actions_per_day_sigma: float
    adoption: tuple[float, float, float]  # share of a tenant's AI-active users using it: starter, pro, enterprise
    models: dict[str, float]  # model key -> share of this feature's calls
    size_source: str  # azure (short chat turns) | mooncake (long conversations)
    input_scale: float
    output_scale: float
    steps_median_extra: float  # lognormal median of extra logical steps beyond the first
    steps_sigma: float
    steps_max: int
    explicit_cache_share: float  # share of calls where the app marks a cache breakpoint (Anthropic, Nova)
    one_hour_ttl_share: float  # share of cache-writing calls that ask for the 1h TTL
    long_context_share: float  # share of calls (on long-context models) drawn from the >150k tail
    child_tag_share: float  # share of non-root calls that still carry the tags
    service: str  # OTel service.name of the backend that serves it
    agent_span: bool = False  # LLM calls hang under an 'invoke_agent' span (grandchildren of the root)


FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        feature_id="draft-email",
        actions_per_day_median=3.0,
        actions_per_day_sigma=0.8,
        adoption=(0.6, 0.6, 0.6),
        models={"gpt-5.4-mini": 0.55, "claude-haiku-4-5": 0.3, "gpt-5.6-sol": 0.15},
        size_source="azure",
        input_scale=1.0,
        output_scale=1.6,
        steps_median_extra=0.35,
        steps_sigma=0.8,
        steps_max=6,
        explicit_cache_share=0.3,
        one_hour_ttl_share=0.0,
        long_context_share=0.0,
        child_tag_share=0.5,
        service="compose-api",
    ),
    FeatureSpec(
        feature_id="summarize-thread",
        actions_per_day_median=2.0,
        actions_per_day_sigma=0.9,
        adoption=(0.45, 0.5, 0.55),
        models={"claude-sonnet-4-5": 0.55, "gpt-5.6-sol": 0.3, "claude-haiku-4-5": 0.15},
        size_source="mooncake",
        input_scale=0.6,
        output_scale=0.8,
        steps_median_extra=0.25,
        steps_sigma=0.9,
        steps_max=8,
        explicit_cache_share=0.85,
        one_hour_ttl_share=0.3,
        long_context_share=0.004,
        child_tag_share=0.4,
        service="inbox-api",
    ),
    FeatureSpec(
        feature_id="rewrite-tone",
        actions_per_day_median=1.5,
        actions_per_day_sigma=0.8,
        adoption=(0.45, 0.4, 0.3),
        models={"gpt-4.1-mini": 0.7, "amazon.nova-lite-v1:0": 0.3},
        size_source="azure",
        input_scale=0.6,
        output_scale=1.0,
        steps_median_extra=0.1,
        steps_sigma=0.7,
        steps_max=4,
        explicit_cache_share=0.0,
        one_hour_ttl_share=0.0,
        long_context_share=0.0,
        child_tag_share=0.5,
        service="compose-api",
    ),
    FeatureSpec(
        feature_id="smart-reply",
        actions_per_day_median=4.0,
        actions_per_day_sigma=0.9,
        adoption=(0.85, 0.8, 0.7),
        models={"gpt-4.1-mini": 0.5, "amazon.nova-lite-v1:0": 0.3, "claude-haiku-4-5": 0.2},
        size_source="azure",
        input_scale=0.35,
        output_scale=0.15,
        steps_median_extra=0.05,
        steps_sigma=0.6,
        steps_max=3,
        explicit_cache_share=0.1,
        one_hour_ttl_share=0.0,
        long_context_share=0.0,
        child_tag_share=0.5,
        service="inbox-api",
    ),
    FeatureSpec(
        feature_id="meeting-notes",
        actions_per_day_median=1.0,
        actions_per_day_sigma=0.6,
        adoption=(0.2, 0.35, 0.45),
        models={"claude-sonnet-4-5": 0.45, "anthropic.claude-haiku-4-5-20251001-v1:0": 0.55},
        size_source="mooncake",
        input_scale=1.0,
        output_scale=1.0,
        steps_median_extra=0.4,
        steps_sigma=0.8,
        steps_max=10,
        explicit_cache_share=0.8,
        one_hour_ttl_share=0.1,
        long_context_share=0.002,
        child_tag_share=0.4,
        service="calendar-api",
    ),
    FeatureSpec(
        feature_id="translate-message",
        actions_per_day_median=1.5,
        actions_per_day_sigma=1.0,
        adoption=(0.3, 0.3, 0.3),
        models={"gpt-4.1-mini": 0.5, "amazon.nova-pro-v1:0": 0.5},
        size_source="azure",
        input_scale=0.7,
        output_scale=1.3,
        steps_median_extra=0.05,
        steps_sigma=0.6,
        steps_max=3,
        explicit_cache_share=0.2,
        one_hour_ttl_share=0.0,
        long_context_share=0.0,
        child_tag_share=0.5,
        service="inbox-api",
    ),
    FeatureSpec(
        feature_id="search-answer",
        actions_per_day_median=2.0,
        actions_per_day_sigma=0.8,
        adoption=(0.35, 0.4, 0.45),
        models={"amazon.nova-pro-v1:0": 0.4, "gpt-5.4-mini": 0.4, "claude-haiku-4-5": 0.2},
        size_source="azure",
        input_scale=3.0,
        output_scale=1.2,
        steps_median_extra=1.2,
        steps_sigma=0.6,
        steps_max=8,
        explicit_cache_share=0.5,
        one_hour_ttl_share=0.0,
        long_context_share=0.0,
        child_tag_share=0.3,
        service="knowledge-api",
    ),
    FeatureSpec(
        feature_id="classify-ticket",
        actions_per_day_median=6.0,
        actions_per_day_sigma=1.0,
        adoption=(0.25, 0.3, 0.35),
        models={"amazon.nova-lite-v1:0": 0.9, "acme-llm-7b": 0.02, "gpt-4.1-mini": 0.08},
        size_source="azure",
        input_scale=0.8,
        output_scale=0.05,
        steps_median_extra=0.05,
        steps_sigma=0.5,
        steps_max=3,
        explicit_cache_share=0.3,
        one_hour_ttl_share=0.0,
        long_context_share=0.0,
        child_tag_share=0.5,
        service="support-api",
    ),
    FeatureSpec(
        feature_id="extract-action-items",
        actions_per_day_median=1.0,
        actions_per_day_sigma=0.7,
        adoption=(0.25, 0.3, 0.35),
        models={"claude-haiku-4-5": 0.5, "gpt-5.4-mini": 0.5},
        size_source="azure",
        input_scale=2.0,
        output_scale=0.6,
        steps_median_extra=0.15,
        steps_sigma=0.7,
        steps_max=4,
        explicit_cache_share=0.4,
        one_hour_ttl_share=0.0,
        long_context_share=0.0,
        child_tag_share=0.5,
        service="calendar-api",
    ),
    FeatureSpec(
        feature_id="agent-assist",
        actions_per_day_median=6.0,
        actions_per_day_sigma=1.1,
        adoption=(0.05, 0.1, 0.15),
        models={"gpt-5.6-sol": 0.45, "claude-sonnet-4-5": 0.4, "anthropic.claude-haiku-4-5-20251001-v1:0": 0.15},
        size_source="mooncake",
        input_scale=0.5,
        output_scale=0.7,
        steps_median_extra=2.0,
        steps_sigma=1.0,
        steps_max=150,
        explicit_cache_share=0.95,
        one_hour_ttl_share=1.0,
        long_context_share=0.004,
        child_tag_share=0.3,
        service="support-api",
        agent_span=True,
    ),
    FeatureSpec(
        feature_id="sentiment-insights",
        actions_per_day_median=2.0,
        actions_per_day_sigma=0.7,
        adoption=(0.15, 0.2, 0.25),
        models={"amazon.nova-lite-v1:0": 0.6, "anthropic.claude-haiku-4-5-20251001-v1:0": 0.3, "acme-llm-7b": 0.1},
        size_source="azure",
        input_scale=1.2,
        output_scale=0.1,
        steps_median_extra=0.1,
        steps_sigma=0.5,
        steps_max=3,
        explicit_cache_share=0.3,
        one_hour_ttl_share=0.0,
        long_context_share=0.0,
        child_tag_share=0.5,
        service="support-api",
    ),
    FeatureSpec(
        feature_id="report-builder",
        actions_per_day_median=2.0,
        actions_per_day_sigma=1.0,
        adoption=(0.06, 0.12, 0.2),
        models={"gpt-5.6-sol": 0.5, "amazon.nova-pro-v1:0": 0.5},
        size_source="azure",
        input_scale=2.5,
        output_scale=3.0,
        steps_median_extra=1.5,
        steps_sigma=0.8,
        steps_max=20,
        explicit_cache_share=0.3,
        one_hour_ttl_share=0.0,
        long_context_share=0.0,
        child_tag_share=0.4,
        service="analytics-api",
    ),
)
FEATURE_INDEX = {feature.feature_id: index for index, feature in enumerate(FEATURES)}
# Trace tags use 'ask-docs' for search-answer before RENAME_DATE; it is the label after the 12 feature ids.
OLD_SEARCH_LABEL = "ask-docs"
FEATURE_LABELS = (*(f.feature_id for f in FEATURES), OLD_SEARCH_LABEL)
# Product analytics names (seeds/feature_aliases.csv); search-answer is 'ask-docs' in months before the rename.
PRODUCT_FEATURE_NAMES = {"draft-email": "email-drafting", "smart-reply": "smart-replies"}

OTEL_SCOPES = {
    "openai": ("opentelemetry.instrumentation.openai_v2", "2.1b0"),
    "anthropic": ("opentelemetry.instrumentation.anthropic", "0.40.14"),
    "aws.bedrock": ("opentelemetry.instrumentation.botocore", "0.52b0"),
    "selfhosted": ("opentelemetry.instrumentation.openai_v2", "2.1b0"),
}
SERVER_ADDRESSES = {
    "openai": "api.openai.com",
    "anthropic": "api.anthropic.com",
    "aws.bedrock": "bedrock-runtime.us-east-1.amazonaws.com",
    "selfhosted": "llm.internal.acme.dev",
}


def read_seed(name: str) -> list[dict[str, str]]:
    path: Path = SEEDS_DIR / name
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def resolved_models() -> tuple[ModelSpec, ...]:
    """MODELS with their genai-prices ids filled in; fails if any string maps elsewhere."""
    snapshot = get_snapshot()
    resolved = []
    for model in MODELS:
        if model.key in UNPRICED_MODEL_KEYS:
            resolved.append(model)
            continue
        provider, info = snapshot.find_provider_model(model.request_model, None, model.otel_provider, None)
        for other_provider, other_model in (
            (model.otel_provider, model.response_model),
            (model.litellm_provider, model.litellm_model),
        ):
            other_p, other_info = snapshot.find_provider_model(other_model, None, other_provider, None)
            if (other_p.id, other_info.id) != (provider.id, info.id):
                raise ValueError(f"{other_provider}/{other_model} maps to {other_info.id}, expected {info.id}")
        resolved.append(ModelSpec(**{**model.__dict__, "price_provider_id": provider.id, "price_model_id": info.id}))
    return tuple(resolved)


def check_seeds_agree() -> None:
    """The feature and plan catalogs here must name exactly what the dbt seeds name."""
    seed_features = {row["feature_id"] for row in read_seed("feature_catalog.csv")}
    if seed_features != set(FEATURE_INDEX):
        raise ValueError(f"feature catalog drifted from seeds: {sorted(seed_features ^ set(FEATURE_INDEX))}")
    seed_plans = {row["plan_tier"] for row in read_seed("plan_catalog.csv")}
    if seed_plans != set(PLAN_TIERS):
        raise ValueError(f"plan catalog drifted from seeds: {sorted(seed_plans ^ set(PLAN_TIERS))}")
    aliases = {row["alias"]: row["feature_id"] for row in read_seed("feature_aliases.csv")}
    expected = {OLD_SEARCH_LABEL: "search-answer", **{v: k for k, v in PRODUCT_FEATURE_NAMES.items()}}
    if any(aliases.get(alias) != feature for alias, feature in expected.items()):
        raise ValueError(f"feature aliases drifted from seeds: {aliases}")
