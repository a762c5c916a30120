"""Asset checks beside the Great Expectations (raw) and dbt-test checks: trace freshness and budget breaches.

- `trace_files_fresh` (raw/load_manifest, WARN): fails when no trace file with rows has been loaded for more
  than `freshness_warn_hours` (dbt var, default 36; env AICOST_FRESHNESS_WARN_HOURS overrides). It measures
  the newest trace file's `loaded_at`, not the newest call's `started_at`: a nightly batch is healthy when
  exports keep arriving, and call times say nothing about that (a backfill of last quarter is fresh data with
  old timestamps; a clock-skewed exporter makes new calls look old). The newest call time is in the metadata.
- `no_budget_breaches` (marts/budget_alerts_daily): fails naming every tenant-day with status 'breached' in
  the days a nightly run can still change (the last `lookback_days`, dbt var, of the mart), so a breach
  alerts on the nights it appears, not forever. Default severity WARN: a breach is a business alert for the
  account team, not a data error, and must not turn the pipeline red. AICOST_BUDGET_CHECK_SEVERITY=ERROR
  makes `aicost run` exit non-zero on a breach.
"""

import os
from datetime import UTC, datetime
from decimal import Decimal

import dagster as dg

from orchestration.ingest import ensure_raw_schema
from orchestration.ingest.readers import SOURCE_DEFS
from orchestration.report.project_vars import dbt_project_vars
from orchestration.resources import WarehouseResource

TRACE_SOURCES = tuple(name for name, source in SOURCE_DEFS.items() if source.folder.startswith("traces/"))
TRACE_TABLES = tuple(target.table for name in TRACE_SOURCES for target in SOURCE_DEFS[name].targets)
TRACE_TIME_COLUMNS = {"otlp_llm_spans": "started_at", "otlp_spans": "started_at", "litellm_spend_logs": "start_time"}

FRESHNESS_HOURS_ENV = "AICOST_FRESHNESS_WARN_HOURS"
BUDGET_SEVERITY_ENV = "AICOST_BUDGET_CHECK_SEVERITY"
BUDGET_ALERTS_KEY = dg.AssetKey(["marts", "budget_alerts_daily"])
LISTED_BREACHES = 20  # tenant-days named in the summary; the metadata lists all of them


def freshness_warn_hours() -> float:
    return float(os.environ.get(FRESHNESS_HOURS_ENV) or dbt_project_vars().get("freshness_warn_hours", 36))


def budget_check_severity() -> dg.AssetCheckSeverity:
    value = (os.environ.get(BUDGET_SEVERITY_ENV) or "WARN").strip().upper()
    if value in ("WARN", "WARNING"):
        return dg.AssetCheckSeverity.WARN
    if value == "ERROR":
        return dg.AssetCheckSeverity.ERROR
    raise ValueError(f"{BUDGET_SEVERITY_ENV} must be WARN or ERROR, got {value!r}")


def _money(value: Decimal | None) -> str:
    return "n/a" if value is None else f"${value:,.2f}"


@dg.asset_check(
    asset=dg.AssetKey(["raw", "load_manifest"]),
    name="trace_files_fresh",
    description=(
        "Warns when no trace file (OTLP, LiteLLM, canonical) with rows has been loaded for more than "
        "freshness_warn_hours (dbt var, default 36)."
    ),
)
def trace_files_fresh(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    now = datetime.now(UTC).replace(tzinfo=None)  # the manifest stores naive UTC
    limit_hours = freshness_warn_hours()
    placeholders = ", ".join("?" for _ in TRACE_SOURCES)
    with warehouse.connect() as con:
        ensure_raw_schema(con)
        newest_file, newest_loaded_at, trace_files = con.execute(
            f"""
            select arg_max(file_path, loaded_at), max(loaded_at), count(*)
            from raw.load_manifest
            where source in ({placeholders}) and status in ('loaded', 'replaced') and rows_loaded > 0
            """,
            list(TRACE_SOURCES),
        ).fetchone()
        newest_call = con.execute(
            "select max(newest) from ("
            + " union all ".join(
                f"select max({TRACE_TIME_COLUMNS.get(table, 'started_at')}) as newest from raw.{table}"
                for table in TRACE_TABLES
            )
            + ")"
        ).fetchone()[0]
    if newest_loaded_at is None:
        age_hours = None
        passed = False
        summary = "no trace file has been loaded yet"
    else:
        age_hours = round((now - newest_loaded_at).total_seconds() / 3600, 1)
        passed = age_hours <= limit_hours
        summary = (
            f"newest trace file {newest_file} was loaded {age_hours:g} h ago (limit {limit_hours:g} h)"
            if not passed
            else f"newest trace file loaded {age_hours:g} h ago"
        )
    return dg.AssetCheckResult(
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "failure_summary": dg.MetadataValue.text(summary),
            "newest_trace_file": dg.MetadataValue.text(newest_file or ""),
            "newest_trace_file_loaded_at": dg.MetadataValue.text(str(newest_loaded_at or "")),
            "hours_since_newest_trace_file": dg.MetadataValue.float(age_hours if age_hours is not None else -1.0),
            "freshness_warn_hours": dg.MetadataValue.float(limit_hours),
            "trace_files_loaded": dg.MetadataValue.int(trace_files),
            "newest_call_started_at": dg.MetadataValue.text(str(newest_call or "")),
        },
    )


@dg.asset_check(
    asset=BUDGET_ALERTS_KEY,
    name="no_budget_breaches",
    description=(
        "Fails naming every tenant-day over its daily AI budget (status 'breached') in the last lookback_days "
        "of marts.budget_alerts_daily. Severity WARN unless AICOST_BUDGET_CHECK_SEVERITY=ERROR."
    ),
)
def no_budget_breaches(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    severity = budget_check_severity()
    window_days = int(dbt_project_vars().get("lookback_days", 3))
    with warehouse.connect(read_only=True) as con:
        breaches = con.execute(
            """
            with latest as (select max(alert_date) as last_day from marts.budget_alerts_daily)
            select alert_date, tenant_id, plan_tier, spend_usd, daily_cap_usd, utilization
            from marts.budget_alerts_daily, latest
            where status = 'breached' and alert_date > last_day - cast(? as integer)
            order by alert_date desc, utilization desc, tenant_id
            """,
            [window_days],
        ).fetchall()
        last_day, breached_all_time = con.execute(
            "select max(alert_date), count(*) filter (where status = 'breached') from marts.budget_alerts_daily"
        ).fetchone()
    named = [
        f"{tenant} on {day}: {_money(spend)} of {_money(cap)} ({float(utilization or 0):.0%})"
        for day, tenant, _, spend, cap, utilization in breaches
    ]
    if breaches:
        summary = f"{len(breaches)} tenant-day(s) over budget in the {window_days} days to {last_day}: " + "; ".join(
            named[:LISTED_BREACHES]
        )
        if len(named) > LISTED_BREACHES:
            summary += f"; and {len(named) - LISTED_BREACHES} more"
    else:
        summary = f"no tenant over its daily budget in the {window_days} days to {last_day}"
    return dg.AssetCheckResult(
        passed=not breaches,
        severity=severity,
        metadata={
            "failure_summary": dg.MetadataValue.text(summary),
            "breaches": dg.MetadataValue.json(
                [
                    {
                        "date": str(day),
                        "tenant_id": tenant,
                        "plan_tier": tier,
                        "spend_usd": str(spend),
                        "daily_cap_usd": str(cap),
                        "utilization": float(utilization) if utilization is not None else None,
                    }
                    for day, tenant, tier, spend, cap, utilization in breaches
                ]
            ),
            "window_days": dg.MetadataValue.int(window_days),
            "last_day": dg.MetadataValue.text(str(last_day or "")),
            "breached_tenant_days_all_time": dg.MetadataValue.int(breached_all_time or 0),
        },
    )


extra_asset_checks = [trace_files_fresh, no_budget_breaches]
