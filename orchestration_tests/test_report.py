"""The HTML report against the built sample: every chart's embedded data equals its mart, recomputed here
independently (Python Decimal sums over the mart's rows, not the report's SQL); the file is self-contained;
sections whose mart is missing say so; a locked warehouse gives a clear error."""

from __future__ import annotations

import calendar
import json
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration.report import WarehouseBusyError, write_report
from orchestration.report.sections import BUDGET_TABLE_DAYS, HEATMAP_MAX_DAYS
from orchestration.settings import Settings

slow = pytest.mark.slow  # the tests that read the built sample warehouse (session fixture)

CHART_DATA = re.compile(
    r'<script type="application/json" class="chart-data" data-chart="([a-z_]+)">(.*?)</script>', re.S
)


@pytest.fixture(scope="module")
def report(built_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, dict]]:
    path = write_report(Settings.from_env(warehouse=built_warehouse), tmp_path_factory.mktemp("report") / "r.html")
    html = path.read_text(encoding="utf-8")
    charts = {name: json.loads(body) for name, body in CHART_DATA.findall(html)}
    return html, charts


@pytest.fixture(scope="module")
def con(built_warehouse: Path):
    with duckdb.connect(str(built_warehouse), read_only=True) as connection:
        yield connection


def mart(con: duckdb.DuckDBPyConnection, name: str, where: str = "") -> list[dict[str, Any]]:
    cursor = con.execute(f"select * from marts.{name} {where}")
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def as_json(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def project(rows: Iterable[dict], columns: list[str]) -> list[tuple]:
    return sorted((tuple(as_json(row[c]) for c in columns) for row in rows), key=repr)


def chart_rows(chart: dict) -> list[tuple]:
    return sorted((tuple(row[c] for c in chart["columns"]) for row in chart["rows"]), key=repr)


def shown_month(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> date:
    """The latest month the calls cover to its last day (else the latest month): what one-month charts show."""
    through = con.execute("select max(call_date) from marts.fct_llm_calls").fetchone()[0]
    months = sorted({row["month"] for row in rows})
    complete = [m for m in months if date(m.year, m.month, calendar.monthrange(m.year, m.month)[1]) <= through]
    return (complete or months)[-1]


def dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def sum_by(rows: Iterable[dict], keys: tuple[str, ...], columns: tuple[str, ...]) -> dict[tuple, dict[str, Any]]:
    sums: dict[tuple, dict[str, Any]] = defaultdict(lambda: defaultdict(lambda: Decimal(0)))
    for row in rows:
        for column in columns:
            sums[tuple(row[k] for k in keys)][column] += row[column] or 0
    return sums


@slow
def test_every_section_has_its_chart_data(report) -> None:
    _, charts = report
    assert set(charts) >= {
        "headline", "margin_trend", "cost_per_active_user", "tail", "pareto", "cache_daily", "cache_by_model",
        "drift_heatmap", "budget_daily", "budget_recent", "quality_by_source", "quality_daily", "quality_reasons",
    }  # fmt: skip
    assert all(chart["rows"] for name, chart in charts.items() if name != "budget_recent")


@slow
def test_opens_offline(report) -> None:
    html, _ = report
    assert not re.search(r"<(script|img|iframe)[^>]+src=", html)
    assert "<link" not in html and "@import" not in html
    assert not re.search(r"url\(\s*['\"]?https?:", html)
    assert html.count("<svg") >= 8  # the charts are inline SVG


@slow
def test_headline_matches_the_call_fact(report, con) -> None:
    html, charts = report
    totals = charts["headline"]["rows"][0]
    calls = mart(con, "fct_llm_calls")
    cost = sum(c["cost_usd"] or 0 for c in calls)
    assert totals["calls"] == len(calls)
    assert dec(totals["cost_usd"]) == cost
    assert dec(totals["list_cost_usd"]) == sum(c["list_cost_usd"] or 0 for c in calls)
    assert totals["unpriced_calls"] == sum(not c["is_priced"] for c in calls)
    assert f"${cost:,.2f}" in html  # shown as money


@slow
def test_margin_trend_sums_the_unit_economics_mart(report, con) -> None:
    chart = report[1]["margin_trend"]
    rows = mart(con, "feature_unit_economics_monthly")
    sums = sum_by(rows, ("month", "feature"), ("allocated_revenue_usd", "cost_usd", "gross_margin_usd"))
    negative = defaultdict(list)
    for row in rows:
        if row["is_margin_negative"]:
            negative[(row["month"], row["feature"])].append(row["plan_tier"])
    assert len(chart["rows"]) == len(sums)
    for item in chart["rows"]:
        key = (date.fromisoformat(item["month"]), item["feature"])
        expected = sums[key]
        assert dec(item["allocated_revenue_usd"]) == expected["allocated_revenue_usd"]
        assert dec(item["cost_usd"]) == expected["cost_usd"]
        assert dec(item["gross_margin_usd"]) == expected["gross_margin_usd"]
        revenue = expected["allocated_revenue_usd"]
        if revenue:
            assert close(item["gross_margin_pct"], float(100 * expected["gross_margin_usd"] / revenue))
            assert close(item["cost_share_of_revenue_pct"], float(100 * expected["cost_usd"] / revenue))
        tiers = ", ".join(sorted(negative[key])) or None
        assert item["margin_negative_tiers"] == tiers


@slow
def test_cost_per_active_user_is_the_latest_month_of_the_mart(report, con) -> None:
    chart = report[1]["cost_per_active_user"]
    rows = mart(con, "feature_unit_economics_monthly")
    shown = shown_month(con, rows)
    assert chart_rows(chart) == project([r for r in rows if r["month"] == shown], chart["columns"])
    assert {"p10_cost_per_active_user_usd", "p90_cost_per_active_user_usd"} <= set(chart["columns"])


@slow
def test_tail_is_the_latest_month_of_the_mart(report, con) -> None:
    chart = report[1]["tail"]
    rows = mart(con, "tail_cost_monthly")
    shown = shown_month(con, rows)
    assert chart_rows(chart) == project([r for r in rows if r["month"] == shown], chart["columns"])
    assert {"p50_cost_per_tree_usd", "p95_cost_per_tree_usd", "p99_cost_per_tree_usd"} <= set(chart["columns"])


@slow
def test_pareto_is_every_tenant_month(report, con) -> None:
    html, charts = report
    chart = charts["pareto"]
    rows = mart(con, "tenant_cost_profile_monthly")
    assert chart_rows(chart) == project(rows, chart["columns"])
    latest = max(row["month"] for row in rows)
    top5 = max(r["cumulative_cost_share"] for r in rows if r["month"] == latest and r["cost_rank"] <= 5)
    assert f"<strong>{float(top5) * 100:.1f}%</strong>" in html


@slow
def test_cache_savings_sum_the_mart(report, con) -> None:
    charts = report[1]
    rows = mart(con, "cache_savings_daily")
    daily = sum_by(rows, ("call_date",), ("list_cost_usd", "cost_usd", "savings_usd"))
    assert [(r["call_date"], dec(r["list_cost_usd"]), dec(r["cost_usd"])) for r in charts["cache_daily"]["rows"]] == [
        (day.isoformat(), sums["list_cost_usd"], sums["cost_usd"]) for (day,), sums in sorted(daily.items())
    ]
    by_model = sum_by(
        rows,
        ("provider", "model"),
        ("calls", "unpriced_calls", "list_cost_usd", "cost_usd", "savings_usd", "cache_read_tokens",
         "input_tokens_total"),
    )  # fmt: skip
    assert len(charts["cache_by_model"]["rows"]) == len(by_model)
    for item in charts["cache_by_model"]["rows"]:
        expected = by_model[(item["provider"], item["model"])]
        assert item["calls"] == expected["calls"] and item["unpriced_calls"] == expected["unpriced_calls"]
        assert dec(item["savings_usd"]) == expected["savings_usd"]
        if expected["cost_usd"]:
            assert close(item["over_report_pct"], float(100 * expected["savings_usd"] / expected["cost_usd"]))
        if expected["input_tokens_total"]:
            ratio = expected["cache_read_tokens"] / expected["input_tokens_total"]
            assert close(float(item["cache_hit_ratio"]), float(ratio))


@slow
def test_drift_heat_map_is_the_reconciliation_mart(report, con) -> None:
    chart = report[1]["drift_heatmap"]
    rows = mart(con, "reconciliation_drift_daily")
    last = max(row["usage_date"] for row in rows)
    recent = [r for r in rows if r["usage_date"] > last - timedelta(days=HEATMAP_MAX_DAYS)]
    assert chart_rows(chart) == project(recent, chart["columns"])
    assert {"usage_date", "provider", "model", "drift_pct", "status"} <= set(chart["columns"])


@slow
def test_budget_alerts_count_the_mart(report, con) -> None:
    html, charts = report
    rows = mart(con, "budget_alerts_daily")
    per_day = Counter((r["alert_date"], r["status"]) for r in rows)
    days = sorted({r["alert_date"] for r in rows})
    assert [
        (r["alert_date"], r["breached"], r["approaching"], r["tenants"]) for r in charts["budget_daily"]["rows"]
    ] == [
        (d.isoformat(), per_day[(d, "breached")], per_day[(d, "approaching")], sum(r["alert_date"] == d for r in rows))
        for d in days
    ]
    recent = [
        r
        for r in rows
        if r["status"] in ("approaching", "breached") and r["alert_date"] > days[-1] - timedelta(BUDGET_TABLE_DAYS)
    ]
    assert chart_rows(charts["budget_recent"]) == project(recent, charts["budget_recent"]["columns"])
    breached = sum(r["status"] == "breached" for r in rows)
    assert f"<strong>{breached:,}</strong> tenant-days over budget" in html


@slow
def test_data_quality_sums_the_mart(report, con) -> None:
    charts = report[1]
    rows = mart(con, "data_quality_daily")
    by_source = sum_by(
        rows,
        ("source",),
        ("rows_loaded", "rows_quarantined", "calls", "unpriced_calls", "untagged_cost_usd", "cost_usd"),
    )
    assert {r["source"] for r in charts["quality_by_source"]["rows"]} == {s for (s,) in by_source}
    for item in charts["quality_by_source"]["rows"]:
        expected = by_source[(item["source"],)]
        assert item["rows_loaded"] == expected["rows_loaded"]
        assert item["rows_quarantined"] == expected["rows_quarantined"]
        assert item["unpriced_calls"] == expected["unpriced_calls"]
        assert dec(item["untagged_cost_usd"]) == expected["untagged_cost_usd"]
    reasons = {
        column.removeprefix("quarantined_").removesuffix("_rows"): sum(r[column] for r in rows)
        for column in rows[0]
        if column.startswith("quarantined_") and column.endswith("_rows")
    }
    assert {r["reason"]: r["rows"] for r in charts["quality_reasons"]["rows"]} == {
        reason: total for reason, total in reasons.items() if total
    }
    daily = sum_by(rows, ("quality_date",), ("calls", "unpriced_calls"))
    shares = {day.isoformat(): s["unpriced_calls"] / s["calls"] for (day,), s in daily.items() if s["calls"]}
    assert {
        r["quality_date"]: r["unpriced_call_share"] for r in charts["quality_daily"]["rows"]
    }.keys() == shares.keys()
    for item in charts["quality_daily"]["rows"]:
        assert close(float(item["unpriced_call_share"]), float(shares[item["quality_date"]]))


def test_missing_marts_are_named_not_hidden(tmp_path: Path) -> None:
    warehouse = tmp_path / "empty.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema marts")
    html = write_report(Settings.from_env(warehouse=warehouse), tmp_path / "r.html").read_text(encoding="utf-8")
    for name in ("feature_unit_economics_monthly", "tail_cost_monthly", "reconciliation_drift_daily"):
        assert f"<code>marts.{name}</code>" in html
    assert "Not available yet" in html and "<svg" not in html


def test_a_locked_warehouse_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warehouse = tmp_path / "busy.duckdb"
    duckdb.connect(str(warehouse)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb,sys,time; c=duckdb.connect(sys.argv[1]); print('ok', flush=True); "
         "time.sleep(60)", str(warehouse)],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "ok"
        monkeypatch.setenv("AICOST_REPORT_LOCK_WAIT", "0")
        with pytest.raises(WarehouseBusyError, match="being written by another process"):
            write_report(Settings.from_env(warehouse=warehouse), tmp_path / "r.html")
        assert not (tmp_path / "r.html").exists()
    finally:
        holder.kill()
        holder.wait()


@slow
def test_readme_sample_queries_run_against_the_marts(con) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## BI tools and analysts", 1)[1].split("\n## ", 1)[0]
    sql = re.search(r"```sql\n(.*?)```", section, re.S).group(1)
    statements = [statement for statement in sql.split(";") if "select" in statement]
    queried = set()
    for statement in statements:
        con.execute(statement).fetchall()
        queried |= set(re.findall(r"from marts\.(\w+)", statement))
    marts = {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    }
    assert queried == marts  # one sample query per mart


def test_exposures_name_what_the_report_and_the_export_read() -> None:
    from orchestration.assets.export import MART_MODELS
    from orchestration.dbt_project import ai_costs_project
    from orchestration.report.sections import SECTIONS

    manifest = json.loads(Path(ai_costs_project.manifest_path).read_text(encoding="utf-8"))
    exposures = {
        e["name"]: {n.split(".")[-1] for n in e["depends_on"]["nodes"]} for e in manifest["exposures"].values()
    }
    assert exposures["marts_parquet_export"] == set(MART_MODELS)
    read_by_report = {m for spec in SECTIONS for m in spec.marts} | {"fct_llm_calls", "fct_request_trees"}
    assert exposures["ai_cost_report"] == read_by_report


@slow
def test_a_month_in_progress_is_labeled_and_one_month_charts_keep_the_last_complete_month(
    built_warehouse: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "w.duckdb"
    shutil.copyfile(built_warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as connection:
        last_day = connection.execute("select max(call_date) from marts.fct_llm_calls").fetchone()[0]
        next_day = last_day + timedelta(days=3)
        new_month = next_day.replace(day=1)
        # Three days into a new month: one late call, and a tail row for the new month.
        connection.execute(
            "insert into marts.fct_llm_calls select * replace (? as call_date) from marts.fct_llm_calls limit 1",
            [next_day],
        )
        connection.execute(
            "insert into marts.tail_cost_monthly select * replace (? as month) from marts.tail_cost_monthly "
            "where month = (select max(month) from marts.tail_cost_monthly)",
            [new_month],
        )
        connection.execute(
            "insert into marts.tenant_cost_profile_monthly select * replace (? as month) "
            "from marts.tenant_cost_profile_monthly "
            "where month = (select max(month) from marts.tenant_cost_profile_monthly)",
            [new_month],
        )
    html = write_report(Settings.from_env(warehouse=warehouse), tmp_path / "r.html").read_text(encoding="utf-8")
    charts = {name: json.loads(body) for name, body in CHART_DATA.findall(html)}
    assert {row["month"] for row in charts["tail"]["rows"]} == {last_day.replace(day=1).isoformat()}
    label = f"{new_month:%Y-%m} (to {next_day:%b} {next_day.day})"
    assert f"In {label}, the top 5" in html
