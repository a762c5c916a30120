"""Great Expectations suites for the raw tables, validated on each newly loaded batch.

The batch is the rows of one load (one `_loaded_at`), read from DuckDB into a pandas dataframe with only
the columns the suite looks at. The quarantine rules already hold for every loaded row; these suites are
the independent second look (and catch what the quarantine does not: unknown providers, amounts below
zero). A failed expectation of severity 'error' fails the table's asset check; 'warn' ones only warn.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import duckdb

from orchestration.ingest.config import IngestConfig, load_config

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
logging.getLogger("great_expectations").setLevel(logging.WARNING)

ERROR = "error"
WARN = "warn"

TOKEN_COLUMNS = {
    "otlp_llm_spans": (
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "cache_write_1h_tokens",
        "reasoning_tokens",
    ),
    "litellm_spend_logs": (
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "cache_read_input_tokens",
        "cache_creation_input_tokens",
        "reasoning_tokens",
    ),
    "canonical_llm_calls": (
        "input_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "cache_write_1h_tokens",
        "output_tokens",
        "reasoning_tokens",
    ),
    "openai_usage": (
        "input_tokens",
        "input_cached_tokens",
        "output_tokens",
        "input_audio_tokens",
        "output_audio_tokens",
    ),
    "anthropic_usage": (
        "uncached_input_tokens",
        "cache_read_input_tokens",
        "cache_creation_5m_input_tokens",
        "cache_creation_1h_input_tokens",
        "output_tokens",
    ),
}


@dataclass(frozen=True)
class Rule:
    """One expectation: its Great Expectations class name, arguments and severity."""

    expectation: str
    kwargs: dict[str, Any]
    severity: str = ERROR

    @property
    def columns(self) -> tuple[str, ...]:
        if "column" in self.kwargs:
            return (self.kwargs["column"],)
        return tuple(self.kwargs.get("column_list", ()))


def _not_null(*columns: str) -> list[Rule]:
    return [Rule("ExpectColumnValuesToNotBeNull", {"column": c}) for c in columns]


def _non_negative(*columns: str) -> list[Rule]:
    return [Rule("ExpectColumnValuesToBeBetween", {"column": c, "min_value": 0}) for c in columns]


def _in_range(column: str, earliest: datetime, latest: datetime) -> Rule:
    return Rule("ExpectColumnValuesToBeBetween", {"column": column, "min_value": earliest, "max_value": latest})


def _known_provider(column: str, config: IngestConfig) -> Rule:
    return Rule("ExpectColumnValuesToBeInSet", {"column": column, "value_set": list(config.known_providers)}, WARN)


def _unique(*columns: str) -> Rule:
    if len(columns) == 1:
        return Rule("ExpectColumnValuesToBeUnique", {"column": columns[0]})
    return Rule("ExpectCompoundColumnsToBeUnique", {"column_list": list(columns)})


def _usd(column: str) -> Rule:
    return Rule("ExpectColumnValuesToBeInSet", {"column": column, "value_set": ["USD", "usd"]})


def suite_rules(table: str, config: IngestConfig, now: datetime | None = None) -> list[Rule]:
    """The expectations for one raw table. Timestamps must lie between the configured earliest time and
    the load time plus the future allowance."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    earliest = datetime.combine(config.earliest_timestamp, datetime.min.time())
    latest = now + timedelta(hours=config.max_future_hours)
    tokens = TOKEN_COLUMNS.get(table, ())
    rules: dict[str, list[Rule]] = {
        "otlp_llm_spans": [
            *_not_null("trace_id", "span_id", "started_at"),
            _unique("trace_id", "span_id"),
            Rule("ExpectColumnValuesToMatchRegex", {"column": "trace_id", "regex": "^[0-9a-f]{32}$"}),
            *_non_negative(*tokens),
            _known_provider("provider", config),
            _in_range("started_at", earliest, latest),
        ],
        "otlp_spans": [
            *_not_null("trace_id", "span_id", "started_at"),
            _unique("trace_id", "span_id"),
            _in_range("started_at", earliest, latest),
        ],
        "litellm_spend_logs": [
            *_not_null("request_id", "start_time"),
            _unique("request_id"),
            *_non_negative(*tokens, "spend"),
            _known_provider("custom_llm_provider", config),
            _in_range("start_time", earliest, latest),
        ],
        "canonical_llm_calls": [
            *_not_null("call_id", "started_at"),
            _unique("call_id"),
            *_non_negative(*tokens),
            _known_provider("provider", config),
            _in_range("started_at", earliest, latest),
        ],
        "openai_costs": [
            *_not_null("bucket_start_time", "bucket_end_time", "amount_value"),
            *_non_negative("amount_value"),
            _usd("amount_currency"),
            _in_range("bucket_start_time", earliest, latest),
        ],
        "anthropic_costs": [
            *_not_null("starting_at", "ending_at", "amount_cents"),
            *_non_negative("amount_cents"),
            _usd("currency"),
            _in_range("starting_at", earliest, latest),
        ],
        "focus_charges": [
            *_not_null("charge_period_start", "charge_period_end", "billed_cost"),
            _usd("billing_currency"),
            _in_range("charge_period_start", earliest, latest),
        ],
        "openai_usage": [
            *_not_null("bucket_start_time", "bucket_end_time"),
            *_non_negative(*tokens, "num_model_requests"),
            _in_range("bucket_start_time", earliest, latest),
        ],
        "anthropic_usage": [
            *_not_null("starting_at", "ending_at"),
            *_non_negative(*tokens),
            _in_range("starting_at", earliest, latest),
        ],
        "product_mau": [
            *_not_null("month", "tenant_id", "feature", "monthly_active_users"),
            *_non_negative("monthly_active_users"),
            _unique("month", "tenant_id", "feature"),
        ],
        "subscriptions": [
            *_not_null("tenant_id", "plan_tier", "seats", "valid_from"),
            *_non_negative("seats", "monthly_revenue_usd"),
        ],
        "rate_card": [
            *_not_null("price_provider_id", "model_id", "valid_from"),
            *_non_negative("input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok", "cache_write_1h_mtok"),
            _unique("price_provider_id", "model_id", "valid_from", "tod_start_second", "tier_index"),
        ],
        "model_map": [
            *_not_null("observed_provider", "observed_model", "is_matched"),
            _unique("observed_provider", "observed_model"),
        ],
        "load_manifest": [
            *_not_null("file_path", "source", "content_sha256", "status"),
            Rule("ExpectColumnValuesToBeInSet", {"column": "status", "value_set": ["loaded", "rejected", "replaced"]}),
        ],
        "quarantine": [*_not_null("source", "file_path", "reason")],
    }
    if table not in rules:
        raise KeyError(f"no expectation suite for raw.{table}")
    return rules[table]


SUITE_TABLES = (
    "otlp_llm_spans",
    "otlp_spans",
    "litellm_spend_logs",
    "canonical_llm_calls",
    "openai_costs",
    "anthropic_costs",
    "focus_charges",
    "openai_usage",
    "anthropic_usage",
    "product_mau",
    "subscriptions",
    "rate_card",
    "model_map",
    "load_manifest",
    "quarantine",
)
BATCH_COLUMN = {"load_manifest": "loaded_at", "quarantine": "quarantined_at"}


@dataclass
class BatchValidation:
    table: str
    loaded_at: datetime | None
    rows_in_batch: int
    rows_validated: int
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not any(f["severity"] == ERROR for f in self.failures)

    @property
    def severity(self) -> str:
        return ERROR if not self.passed else WARN

    @property
    def summary(self) -> str:
        if not self.failures:
            return f"{self.rows_validated:,} rows meet every expectation"
        names = ", ".join(f"{f['expectation']}({f['column']})" for f in self.failures)
        return f"{len(self.failures)} failed expectation(s) on {self.rows_validated:,} rows: {names}"


@cache
def _gx_context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


@cache
def _pandas_source():
    return _gx_context().data_sources.add_or_update_pandas("raw")


def _batch(table: str, dataframe):
    """A Great Expectations batch over the dataframe (one pandas asset per table, kept for reuse)."""
    source = _pandas_source()
    try:
        asset = source.get_asset(table)
    except LookupError:
        asset = source.add_dataframe_asset(table)
    try:
        definition = asset.get_batch_definition("whole")
    except (KeyError, LookupError, ValueError):
        definition = asset.add_batch_definition_whole_dataframe("whole")
    return definition.get_batch(batch_parameters={"dataframe": dataframe})


def validate_batch(
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    loaded_at: datetime | None = None,
    config: IngestConfig | None = None,
) -> BatchValidation:
    """Validate the rows of one load of raw.<table> (default: the latest load)."""
    import great_expectations as gx

    config = config or load_config()
    batch_column = BATCH_COLUMN.get(table, "_loaded_at")
    if loaded_at is None:
        loaded_at = con.execute(f"select max({batch_column}) from raw.{table}").fetchone()[0]
    if loaded_at is None:
        return BatchValidation(table, None, 0, 0)
    rules = suite_rules(table, config)
    columns = sorted({c for rule in rules for c in rule.columns})
    rows = con.execute(f"select count(*) from raw.{table} where {batch_column} = ?", [loaded_at]).fetchone()[0]
    # Uniqueness is judged on the whole batch by DuckDB (a sample cannot show duplicates); the other
    # expectations on a reproducible sample when the batch is large.
    limit = config.max_rows_validated
    sample = f" using sample reservoir({limit} rows) repeatable (42)" if rows > limit else ""
    select_list = ", ".join(f'"{c}"' for c in columns)
    dataframe = con.execute(
        f"select {select_list} from (select * from raw.{table} where {batch_column} = ?){sample}", [loaded_at]
    ).df()
    _gx_context()  # suites need an active context
    suite = gx.ExpectationSuite(name=f"raw_{table}")
    for rule in rules:
        if rule.expectation.endswith("ToBeUnique") and rows > limit:
            continue
        suite.add_expectation(
            getattr(gx.expectations, rule.expectation)(**rule.kwargs, meta={"severity": rule.severity})
        )
    result = _batch(table, dataframe).validate(suite)
    failures = []
    for outcome in result.results:
        if outcome.success:
            continue
        config_kwargs = outcome.expectation_config.kwargs
        failures.append(
            {
                "expectation": outcome.expectation_config.type,
                "column": config_kwargs.get("column") or ",".join(config_kwargs.get("column_list", [])),
                "severity": (outcome.expectation_config.meta or {}).get("severity", ERROR),
                "unexpected_count": outcome.result.get("unexpected_count"),
                "unexpected_percent": outcome.result.get("unexpected_percent"),
                "examples": [str(v) for v in (outcome.result.get("partial_unexpected_list") or [])[:5]],
            }
        )
    if rows > limit:
        failures += _unique_by_sql(con, table, rules, batch_column, loaded_at)
    return BatchValidation(table, loaded_at, rows, len(dataframe), failures)


def _unique_by_sql(con, table: str, rules: list[Rule], batch_column: str, loaded_at: datetime) -> list[dict[str, Any]]:
    failures = []
    for rule in rules:
        if not rule.expectation.endswith("ToBeUnique"):
            continue
        keys = ", ".join(f'"{c}"' for c in rule.columns)
        duplicated = con.execute(
            f"select count(*) from (select {keys} from raw.{table} where {batch_column} = ? "
            f"group by all having count(*) > 1)",
            [loaded_at],
        ).fetchone()[0]
        if duplicated:
            failures.append(
                {
                    "expectation": rule.expectation,
                    "column": ",".join(rule.columns),
                    "severity": rule.severity,
                    "unexpected_count": duplicated,
                    "unexpected_percent": None,
                    "examples": [],
                }
            )
    return failures
