"""The ingestion configuration (orchestration/config/ingest.yml, or the file named by AICOST_INGEST_CONFIG)
and the token-convention seed it points to. Both are small configuration files read with plain Python;
landing data is only ever read by DuckDB."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from orchestration.settings import CONFIG_DIR, REPO_ROOT

DEFAULT_CONFIG_PATH = CONFIG_DIR / "ingest.yml"
CONFIG_ENV_VAR = "AICOST_INGEST_CONFIG"


class IngestConfigError(ValueError):
    """The configuration file is missing a section or has a value of the wrong shape."""


@dataclass(frozen=True)
class TokenConvention:
    source: str
    provider: str  # '*' or an exact provider string
    input_includes_cache: bool


@dataclass(frozen=True)
class IngestConfig:
    path: Path
    otlp_llm_span_prefixes: tuple[str, ...]
    otlp_span_attributes: dict[str, tuple[str, ...]]
    otlp_tag_attributes: dict[str, tuple[str, ...]]
    otlp_resource_attributes: dict[str, tuple[str, ...]]
    litellm_request_tags: dict[str, tuple[str, ...]]
    litellm_column_fallbacks: dict[str, tuple[str, ...]]
    litellm_metadata_paths: dict[str, tuple[str, ...]]
    focus_ai_service_categories: tuple[str, ...]
    focus_ai_service_names: tuple[str, ...]
    focus_null_strings: tuple[str, ...]
    content_attribute_keys: tuple[str, ...]
    content_attribute_prefixes: tuple[str, ...]
    content_litellm_columns: tuple[str, ...]
    known_providers: tuple[str, ...]
    max_future_hours: int
    earliest_timestamp: date
    token_conventions: tuple[TokenConvention, ...] = field(default_factory=tuple)
    max_rows_validated: int = 1_000_000

    def input_includes_cache(self, source: str) -> tuple[bool | None, dict[str, bool]]:
        """The source's default convention ('*' row, None when absent) and its per-provider exceptions."""
        default = None
        exceptions: dict[str, bool] = {}
        for rule in self.token_conventions:
            if rule.source != source:
                continue
            if rule.provider == "*":
                default = rule.input_includes_cache
            else:
                exceptions[rule.provider] = rule.input_includes_cache
        return default, exceptions


def config_path() -> Path:
    value = os.environ.get(CONFIG_ENV_VAR)
    return Path(value).expanduser().resolve() if value else DEFAULT_CONFIG_PATH


def _section(raw: dict[str, Any], name: str) -> dict[str, Any]:
    value = raw.get(name)
    if not isinstance(value, dict):
        raise IngestConfigError(f"section '{name}' is missing or is not a mapping")
    return value


def _key_lists(raw: dict[str, Any], section: str, name: str) -> dict[str, tuple[str, ...]]:
    value = raw.get(name) or {}
    if not isinstance(value, dict):
        raise IngestConfigError(f"'{section}.{name}' must map column names to lists of keys")
    result: dict[str, tuple[str, ...]] = {}
    for column, listed in value.items():
        keys = [listed] if isinstance(listed, str) else listed
        if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
            raise IngestConfigError(f"'{section}.{name}.{column}' must be a list of non-empty strings")
        result[str(column)] = tuple(keys)
    return result


def _strings(raw: dict[str, Any], section: str, name: str) -> tuple[str, ...]:
    value = raw.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise IngestConfigError(f"'{section}.{name}' must be a list of strings")
    return tuple(value)


def _read_token_conventions(path: Path) -> tuple[TokenConvention, ...]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    conventions = []
    for number, row in enumerate(rows, start=2):
        flag = (row.get("input_includes_cache") or "").strip().lower()
        if flag not in {"true", "false"}:
            raise IngestConfigError(f"{path}:{number}: input_includes_cache must be true or false, got {flag!r}")
        conventions.append(
            TokenConvention(
                source=(row.get("source") or "").strip(),
                provider=(row.get("provider") or "").strip(),
                input_includes_cache=flag == "true",
            )
        )
    return tuple(conventions)


def load_config(path: Path | None = None) -> IngestConfig:
    """The configuration at `path` (default: AICOST_INGEST_CONFIG or the packaged ingest.yml), parsed once
    per version of the file (an edited file is read again; so is the token-convention seed with it)."""
    path = path or config_path()
    return _load(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _load(path: Path, _mtime: int) -> IngestConfig:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise IngestConfigError(f"{path}: expected a mapping at the top level")
    otlp = _section(raw, "otlp")
    litellm = _section(raw, "litellm")
    focus = _section(raw, "focus")
    content = _section(raw, "content")
    timestamps = raw.get("timestamps") or {}
    expectations = raw.get("expectations") or {}
    conventions_path = Path(str(raw.get("token_conventions") or "seeds/token_conventions.csv"))
    if not conventions_path.is_absolute():
        conventions_path = REPO_ROOT / conventions_path
    return IngestConfig(
        path=path,
        otlp_llm_span_prefixes=_strings(otlp, "otlp", "llm_span_prefixes"),
        otlp_span_attributes=_key_lists(otlp, "otlp", "span_attributes"),
        otlp_tag_attributes=_key_lists(otlp, "otlp", "tag_attributes"),
        otlp_resource_attributes=_key_lists(otlp, "otlp", "resource_attributes"),
        litellm_request_tags=_key_lists(litellm, "litellm", "request_tags"),
        litellm_column_fallbacks=_key_lists(litellm, "litellm", "column_fallbacks"),
        litellm_metadata_paths=_key_lists(litellm, "litellm", "metadata_paths"),
        focus_ai_service_categories=_strings(focus, "focus", "ai_service_categories"),
        focus_ai_service_names=_strings(focus, "focus", "ai_service_names"),
        focus_null_strings=_strings(focus, "focus", "null_strings") or ("",),
        content_attribute_keys=_strings(content, "content", "otlp_attribute_keys"),
        content_attribute_prefixes=_strings(content, "content", "otlp_attribute_prefixes"),
        content_litellm_columns=_strings(content, "content", "litellm_columns"),
        known_providers=_strings(raw, "", "known_providers"),
        max_future_hours=int(timestamps.get("max_future_hours", 24)),
        earliest_timestamp=date.fromisoformat(str(timestamps.get("earliest", "2000-01-01"))),
        token_conventions=_read_token_conventions(conventions_path),
        max_rows_validated=int(expectations.get("max_rows_validated", 1_000_000)),
    )
