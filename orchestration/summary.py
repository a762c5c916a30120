"""The short summary `make demo` prints after the nightly run: what was loaded, what it cost, where the
margins and tails are, whether the invoices agree. Reads the warehouse read-only; a section whose
tables do not exist yet is skipped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

import duckdb

from orchestration import warehouse
from orchestration.settings import Settings

Echo = Callable[[str], None]


def _money(value: Decimal | float | None) -> str:
    return "n/a" if value is None else f"${Decimal(value):,.2f}"


def _pct(value: Decimal | float | None) -> str:
    return "n/a" if value is None else f"{float(value) * 100:.1f}%"


def _table(echo: Echo, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(cell) for cell in header], *[["" if c is None else str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for index, row in enumerate(cells):
        echo("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            echo("  " + "  ".join("-" * width for width in widths))


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _section_ingest(con: duckdb.DuckDBPyConnection, echo: Echo) -> None:
    if not _exists(con, "raw", "load_manifest"):
        return
    echo("Ingestion (raw.load_manifest, raw.quarantine)")
    rows = con.execute(
        """
        select source, count(*) filter (where status = 'loaded') as files,
               count(*) filter (where status = 'rejected') as rejected,
               sum(rows_loaded) as rows_loaded, sum(rows_quarantined) as quarantined, sum(rows_skipped) as skipped
        from raw.load_manifest where status <> 'replaced'
        group by source order by source
        """
    ).fetchall()
    _table(echo, ["source", "files", "rejected", "rows loaded", "quarantined", "skipped"], rows)
    reasons = con.execute(
        "select reason, count(*) from raw.quarantine group by reason order by count(*) desc, reason"
    ).fetchall()
    if reasons:
        echo("  quarantined by reason: " + ", ".join(f"{reason} {count:,}" for reason, count in reasons))
    rejected = con.execute(
        "select file_path, error from raw.load_manifest where status = 'rejected' order by file_path"
    ).fetchall()
    for path, error in rejected:
        echo(f"  REJECTED {path}: {error}")
    echo("")


def _section_calls(con: duckdb.DuckDBPyConnection, echo: Echo) -> None:
    if not _exists(con, "marts", "fct_llm_calls"):
        return
    total = con.execute(
        """
        select count(*), min(call_date), max(call_date), sum(cost_usd), sum(list_cost_usd),
               count(*) filter (where not is_priced),
               sum(cost_usd) filter (where environment = 'production')
        from marts.fct_llm_calls
        """
    ).fetchone()
    calls, first_day, last_day, cost, list_cost, unpriced, production_cost = total
    trees = con.execute("select count(*) from marts.fct_request_trees").fetchone()[0] if _exists(
        con, "marts", "fct_request_trees"
    ) else None
    echo(f"Calls (marts.fct_llm_calls): {calls:,} calls in {trees or 0:,} request trees, {first_day} to {last_day}")
    echo(
        f"  cost {_money(cost)} (production {_money(production_cost)}); a cache-blind report would say "
        f"{_money(list_cost)}; unpriced calls: {unpriced:,}"
    )
    echo("")


def _section_unit_economics(con: duckdb.DuckDBPyConnection, echo: Echo) -> None:
    if _exists(con, "marts", "feature_unit_economics_monthly"):
        worst = con.execute(
            """
            select month, feature, plan_tier, cost_to_price_ratio, gross_margin_pct
            from marts.feature_unit_economics_monthly
            where cost_to_price_ratio is not null
            order by cost_to_price_ratio desc limit 1
            """
        ).fetchone()
        if worst:
            month, feature, tier, ratio, margin = worst
            echo(
                f"Most margin-negative feature and cohort: {feature} on {tier} in {month:%Y-%m} "
                f"(cost per active user = {float(ratio):.2f}x seat price, gross margin {_pct(margin)})"
            )
    if _exists(con, "marts", "tenant_cost_profile_monthly"):
        rows = con.execute(
            """
            select month, max(cumulative_cost_share) filter (where cost_rank <= 5) as top5_share,
                   count(*) as tenants
            from marts.tenant_cost_profile_monthly group by month order by month
            """
        ).fetchall()
        for month, share, tenants in rows:
            echo(f"Top-5 tenants' share of cost in {month:%Y-%m}: {_pct(share)} of {tenants} tenants")
    if _exists(con, "marts", "tail_cost_monthly"):
        rows = con.execute(
            """
            select feature, round(avg(tail_ratio), 2) as tail_ratio, max(p95_cost_per_tree_usd) as p95
            from marts.tail_cost_monthly group by feature order by tail_ratio desc nulls last
            """
        ).fetchall()
        echo("Tail ratio (p95 / p50 cost per request tree) by feature, mean over months:")
        _table(echo, ["feature", "tail ratio", "max p95 per tree"], [(f, r, _money(p)) for f, r, p in rows])
    echo("")


def _section_reconciliation(con: duckdb.DuckDBPyConnection, echo: Echo) -> None:
    if not _exists(con, "marts", "reconciliation_drift_daily"):
        return
    rows = con.execute(
        """
        select status, count(*), sum(metered_cost_usd), sum(invoiced_cost_usd)
        from marts.reconciliation_drift_daily group by status order by status
        """
    ).fetchall()
    echo("Reconciliation (metered vs invoiced, provider x model x day):")
    _table(
        echo,
        ["status", "days", "metered", "invoiced"],
        [(status, count, _money(metered), _money(invoiced)) for status, count, metered, invoiced in rows],
    )
    breaches = con.execute(
        """
        select usage_date, provider, model, drift_usd, drift_pct from marts.reconciliation_drift_daily
        where status in ('breach', 'unmetered_spend') order by usage_date, provider, model
        """
    ).fetchall()
    for day, provider, model, drift, drift_pct in breaches:
        echo(f"  BREACH {day} {provider}/{model}: drift {_money(drift)} ({float(drift_pct or 0):.2f}%)")
    echo("")


def print_summary(settings: Settings, *, echo: Echo = print) -> None:
    with warehouse.connect(settings, read_only=True) as con:
        echo(f"Warehouse: {settings.warehouse}")
        echo("")
        for section in (_section_ingest, _section_calls, _section_unit_economics, _section_reconciliation):
            section(con, echo)
    if settings.report_path.exists():
        echo(f"Report: {settings.report_path}")
    echo("Explore: dagster dev -m orchestration.definitions | duckdb -readonly " + str(settings.warehouse))
