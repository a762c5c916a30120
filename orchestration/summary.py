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
    trees = (
        con.execute("select count(*) from marts.fct_request_trees").fetchone()[0]
        if _exists(con, "marts", "fct_request_trees")
        else None
    )
    echo(f"Calls (marts.fct_llm_calls): {calls:,} calls in {trees or 0:,} request trees, {first_day} to {last_day}")
    echo(
        f"  cost {_money(cost)} (production {_money(production_cost)}); a cache-blind report would say "
        f"{_money(list_cost)}; unpriced calls: {unpriced:,}"
    )
    echo("")


def _section_unit_economics(con: duckdb.DuckDBPyConnection, echo: Echo) -> None:
    shown = False
    if _exists(con, "marts", "feature_unit_economics_monthly"):
        worst = con.execute(
            """
            select month, feature, plan_tier, cost_to_price_ratio, is_margin_negative, gross_margin_pct,
                   cost_per_active_user_usd, p90_cost_per_active_user_usd, price_per_seat_usd, active_users
            from marts.feature_unit_economics_monthly
            where cost_to_price_ratio is not null
            order by cost_to_price_ratio desc, month desc, feature, plan_tier limit 1
            """
        ).fetchone()
        negative, cohorts = con.execute(
            "select count(*) filter (where is_margin_negative), count(*) from marts.feature_unit_economics_monthly"
        ).fetchone()
        if worst:
            month, feature, tier, ratio, is_negative, margin, per_user, p90, price, users = worst
            verdict = "margin-negative" if is_negative else "still under the breakeven ratio"
            echo(
                f"Most margin-negative feature and cohort (marts.feature_unit_economics_monthly): {feature} on {tier} "
                f"in {month:%Y-%m} — {_money(per_user)} per active user (p90 {_money(p90)}, {users:,} users) = "
                f"{float(ratio):.4f} x the {_money(price)} seat price, {verdict}; "
                f"gross margin {'n/a' if margin is None else f'{float(margin):.1f}%'}"
            )
            echo(f"  {negative:,} of {cohorts:,} month x feature x plan-tier rows are margin-negative")
            shown = True
    if _exists(con, "marts", "tenant_cost_profile_monthly"):
        rows = con.execute(
            """
            select month, max(cumulative_cost_share) filter (where cost_rank <= 5) as top5_share,
                   count(*) filter (where cost_usd > 0) as tenants,
                   sum(revenue_usd) as revenue, sum(cost_usd) as cost
            from marts.tenant_cost_profile_monthly group by month order by month
            """
        ).fetchall()
        for month, share, tenants, revenue, cost in rows:
            echo(
                f"Top-5 tenants' share of production cost in {month:%Y-%m}: {_pct(share)} of {tenants} tenants "
                f"with AI spend (revenue {_money(revenue)}, AI cost {_money(cost)})"
            )
            shown = True
    if _exists(con, "marts", "tail_cost_monthly"):
        rows = con.execute(
            """
            select feature, month, tail_ratio, p50_cost_per_tree_usd, p95_cost_per_tree_usd,
                   top_5pct_trees_cost_share, retry_cost_share
            from marts.tail_cost_monthly
            where month = (select max(month) from marts.tail_cost_monthly)
            order by tail_ratio desc nulls last, feature
            """
        ).fetchall()
        if rows:
            echo(f"Tail cost per request tree by feature in {rows[0][1]:%Y-%m} (marts.tail_cost_monthly):")
            _table(
                echo,
                ["feature", "tail ratio p95/p50", "p50", "p95", "top 5% share", "retries' share"],
                [
                    (
                        feature,
                        "n/a" if ratio is None else f"{float(ratio):.2f}",
                        _money4(p50),
                        _money4(p95),
                        _pct(top5),
                        _pct(retries),
                    )
                    for feature, _, ratio, p50, p95, top5, retries in rows
                ],
            )
            shown = True
    if shown:
        echo("")


def _money4(value: Decimal | float | None) -> str:
    return "n/a" if value is None else f"${Decimal(value):,.4f}"


def _section_reconciliation(con: duckdb.DuckDBPyConnection, echo: Echo) -> None:
    if not _exists(con, "marts", "reconciliation_drift_daily"):
        return
    rows = con.execute(
        """
        select status, count(*), sum(metered_cost_usd), sum(invoiced_cost_usd), sum(invoiced_non_token_usd)
        from marts.reconciliation_drift_daily group by status
        order by case status when 'breach' then 0 when 'unmetered_spend' then 1 when 'missing_invoice' then 2
                 when 'warn' then 3 when 'pending_invoice' then 4 when 'not_metered' then 5 else 6 end
        """
    ).fetchall()
    echo("Reconciliation (metered vs invoiced, provider x model x day; marts.reconciliation_drift_daily):")
    _table(
        echo,
        ["status", "model-days", "metered", "invoiced", "non-token invoiced"],
        [
            (status, count, _money(metered), _money(invoiced), _money(other))
            for status, count, metered, invoiced, other in rows
        ],
    )
    flagged = con.execute(
        """
        select usage_date, provider, model, status, metered_cost_usd, invoiced_cost_usd, drift_usd, drift_pct
        from marts.reconciliation_drift_daily
        where status in ('breach', 'unmetered_spend') order by usage_date, provider, model limit 20
        """
    ).fetchall()
    for day, provider, model, status, metered, invoiced, drift, drift_pct in flagged:
        pct = "n/a" if drift_pct is None else f"{float(drift_pct):+.2f}%"
        echo(
            f"  {status.upper()} {day} {provider}/{model}: metered ${metered:,.4f}, invoiced ${invoiced:,.4f}, "
            f"drift ${drift:+,.4f} ({pct})"
        )
    if _exists(con, "marts", "reconciliation_gateway_drift_daily"):
        gateway = con.execute(
            """
            select provider, model, sum(metered_cost_usd), sum(gateway_spend_usd)
            from marts.reconciliation_gateway_drift_daily where priced_calls > 0
            group by provider, model having sum(gateway_spend_usd) <> sum(metered_cost_usd)
            order by abs(sum(gateway_spend_usd) - sum(metered_cost_usd)) desc limit 5
            """
        ).fetchall()
        for provider, model, ours, theirs in gateway:
            echo(f"  gateway (LiteLLM) says {_money(theirs)} for {provider}/{model} where we meter {_money(ours)}")
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
