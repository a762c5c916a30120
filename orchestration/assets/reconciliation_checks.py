"""The reconciliation asset check: fails when what we metered and what a provider invoiced disagree.

One Dagster asset check on the dbt mart ``marts.reconciliation_drift_daily`` (asset key
``["marts", "reconciliation_drift_daily"]``), ``no_breach_or_unmetered_spend``. It fails when any
provider × model × day row has status ``breach`` (|drift| >= var drift_breach_pct % of the invoice) or
``unmetered_spend`` (invoiced or reported usage that nothing metered), and lists those rows in its
metadata (``failing_rows`` as JSON, ``failing_rows_table`` as Markdown, ``failure_summary`` as text,
which ``aicost run`` prints). ``warn``, ``missing_invoice``, ``pending_invoice`` and ``not_metered``
rows are counted in ``rows_by_status`` but do not fail it.

Severity: environment variable ``AICOST_RECONCILIATION_CHECK_SEVERITY`` = ``WARN`` (default) or
``ERROR``, read when the check runs. A breach is a finding for finance, not a broken pipeline: by default
the check fails as a warning (shown in Dagster, sent to the alert webhook, printed by ``aicost run``)
and the run still succeeds; with ``ERROR`` a breach also makes ``aicost run`` exit non-zero. It reads
the warehouse through the ``warehouse`` resource (orchestration.resources.WarehouseResource).
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import dagster as dg

from orchestration.resources import WarehouseResource

RECONCILIATION_ASSET_KEY = dg.AssetKey(["marts", "reconciliation_drift_daily"])
CHECK_NAME = "no_breach_or_unmetered_spend"
FAILING_STATUSES = ("breach", "unmetered_spend")
SEVERITY_ENV = "AICOST_RECONCILIATION_CHECK_SEVERITY"
MAX_LISTED_ROWS = 200

_COLUMNS = (
    "usage_date",
    "provider",
    "model",
    "status",
    "metered_cost_usd",
    "invoiced_cost_usd",
    "drift_usd",
    "drift_pct",
)


def check_severity() -> dg.AssetCheckSeverity:
    """The configured severity (env AICOST_RECONCILIATION_CHECK_SEVERITY, default WARN)."""
    value = os.environ.get(SEVERITY_ENV, "WARN").strip().upper() or "WARN"
    if value in ("WARN", "WARNING"):
        return dg.AssetCheckSeverity.WARN
    if value == "ERROR":
        return dg.AssetCheckSeverity.ERROR
    raise ValueError(f"{SEVERITY_ENV} must be ERROR or WARN, got {value!r}")


def _json_value(value: object) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _describe(row: dict[str, Any]) -> str:
    pct = row["drift_pct"]
    pct_text = "n/a" if pct is None else f"{Decimal(pct):+.2f}%"
    return (
        f"{row['usage_date']} {row['provider']}/{row['model']} {row['status']}: metered "
        f"${Decimal(row['metered_cost_usd']):,.6f}, invoiced ${Decimal(row['invoiced_cost_usd']):,.6f}, "
        f"drift ${Decimal(row['drift_usd']):+,.6f} ({pct_text})"
    )


def _markdown(rows: list[dict[str, Any]]) -> str:
    header = "| " + " | ".join(_COLUMNS) + " |\n|" + "---|" * len(_COLUMNS) + "\n"
    body = "".join("| " + " | ".join("" if r[c] is None else str(r[c]) for c in _COLUMNS) + " |\n" for r in rows)
    return header + body


@dg.asset_check(
    asset=RECONCILIATION_ASSET_KEY,
    name=CHECK_NAME,
    description=(
        "Fails when any provider/model/day of marts.reconciliation_drift_daily is a breach or unmetered "
        f"spend, listing the rows; severity from env {SEVERITY_ENV} (WARN or ERROR, default WARN)."
    ),
)
def no_breach_or_unmetered_spend(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    severity = check_severity()
    placeholders = ", ".join("?" for _ in FAILING_STATUSES)
    with warehouse.connect() as con:
        exists = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts' "
            "and table_name = 'reconciliation_drift_daily'"
        ).fetchone()[0]
        if not exists:
            return dg.AssetCheckResult(
                passed=False,
                severity=severity,
                metadata={"failure_summary": dg.MetadataValue.text("marts.reconciliation_drift_daily does not exist")},
            )
        by_status = dict(
            con.execute(
                "select status, count(*) from marts.reconciliation_drift_daily group by status order by status"
            ).fetchall()
        )
        cursor = con.execute(
            f"""
            select {", ".join(_COLUMNS)}
            from marts.reconciliation_drift_daily
            where status in ({placeholders})
            order by usage_date, provider, model
            """,
            list(FAILING_STATUSES),
        )
        rows = [dict(zip(_COLUMNS, record, strict=True)) for record in cursor.fetchall()]

    listed = rows[:MAX_LISTED_ROWS]
    more = f" (and {len(rows) - len(listed)} more)" if len(rows) > len(listed) else ""
    if rows:
        counts = ", ".join(f"{by_status.get(s, 0)} {s}" for s in FAILING_STATUSES if by_status.get(s))
        summary = f"{counts} of {sum(by_status.values())} provider/model/days: " + "; ".join(
            _describe(row) for row in listed[:10]
        )
        if len(rows) > 10:
            summary += f"; ... {len(rows) - 10} more in failing_rows"
    else:
        summary = f"no breach or unmetered spend in {sum(by_status.values())} provider/model/days"
    return dg.AssetCheckResult(
        passed=not rows,
        severity=severity,
        metadata={
            "failure_summary": dg.MetadataValue.text(summary),
            "failing_rows": dg.MetadataValue.json(
                [{key: _json_value(value) for key, value in row.items()} for row in listed]
            ),
            "failing_rows_table": dg.MetadataValue.md(_markdown(listed) + more),
            "failing_row_count": dg.MetadataValue.int(len(rows)),
            "rows_by_status": dg.MetadataValue.json(by_status),
        },
    )


reconciliation_asset_checks: list[dg.AssetChecksDefinition] = [no_breach_or_unmetered_spend]

__all__ = [
    "CHECK_NAME",
    "FAILING_STATUSES",
    "RECONCILIATION_ASSET_KEY",
    "SEVERITY_ENV",
    "check_severity",
    "reconciliation_asset_checks",
]
