"""The report's sections: one SQL query per chart against one mart (the aggregation happens in DuckDB), a
chart, a table, and the chart's data embedded as JSON so anyone (and the tests) can check the figures
against the mart. A mart that is not built yet gives a section that says so instead of a chart."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from html import escape
from typing import Any

import duckdb

from orchestration.report import formatting as fmt
from orchestration.report import svg
from orchestration.report.project_vars import dbt_project_vars

MARTS = "marts"
Row = dict[str, Any]


@dataclass
class ChartData:
    """What a chart draws, exactly as queried: `rows` of `columns` from `mart`."""

    chart: str
    mart: str
    description: str
    rows: list[Row]

    def as_json(self) -> dict[str, Any]:
        return {
            "chart": self.chart,
            "mart": f"{MARTS}.{self.mart}",
            "description": self.description,
            "columns": list(self.rows[0]) if self.rows else [],
            "rows": [{key: fmt.json_value(value) for key, value in row.items()} for row in self.rows],
        }


@dataclass
class Section:
    key: str
    title: str
    question: str
    marts: tuple[str, ...]
    body: list[str] = field(default_factory=list)
    data: list[ChartData] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    question: str
    marts: tuple[str, ...]
    build: Callable[[duckdb.DuckDBPyConnection, Section], None]

    def section(self) -> Section:
        return Section(self.key, self.title, self.question, self.marts)


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    detail: str = ""
    tone: str = ""  # "" | good | warn | bad


def query(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> list[Row]:
    cursor = con.execute(sql, list(params))
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def existing_marts(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [MARTS]
        ).fetchall()
    }


def _f(value: Decimal | float | int | None) -> float | None:
    return None if value is None else float(value)


def _shown_month(mart: str) -> str:
    """SQL for the month a one-month chart shows: the latest month the calls cover to its last day, or the
    latest month when none is complete yet (a half-month's percentiles would mislead next to full ones)."""
    return f"""
        select coalesce(
            max(month) filter (
                where month + interval 1 month - interval 1 day
                    <= (select max(call_date) from {MARTS}.fct_llm_calls)
            ),
            max(month)
        )
        from {MARTS}.{mart}
    """


def month_label(month: Any, through: Any) -> str:
    """2026-09, or "2026-10 (to Oct 1)" for a month the data does not cover to its end."""
    if through is None or month is None:
        return fmt.month(month)
    next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    if through >= next_month - timedelta(days=1):
        return fmt.month(month)
    return f"{fmt.month(month)} (to {fmt.short_day(through)})"


def _through(con: duckdb.DuckDBPyConnection) -> Any:
    return con.execute(f"select max(call_date) from {MARTS}.fct_llm_calls").fetchone()[0]


# ----------------------------------------------------------------------------------------------- HTML bits


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    numeric: Sequence[int] = (),
    row_classes: Sequence[str] | None = None,
    caption: str = "",
) -> str:
    head = "".join(f"<th{' class=num' if i in numeric else ''}>{escape(h)}</th>" for i, h in enumerate(headers))
    body = []
    for index, row in enumerate(rows):
        css = f' class="{row_classes[index]}"' if row_classes and row_classes[index] else ""
        cells = "".join(f"<td{' class=num' if i in numeric else ''}>{cell}</td>" for i, cell in enumerate(row))
        body.append(f"<tr{css}>{cells}</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    rows_html = "".join(body)
    return f'<div class="table-wrap"><table>{cap}<thead><tr>{head}</tr></thead><tbody>{rows_html}</tbody></table></div>'


def note(text: str) -> str:
    return f'<p class="note">{text}</p>'


def figure(chart_svg: str, caption: str) -> str:
    return f'<figure class="chart-box">{chart_svg}<figcaption>{caption}</figcaption></figure>'


def details(summary: str, content: str) -> str:
    return f"<details><summary>{escape(summary)}</summary>{content}</details>"


def _esc(value: object) -> str:
    return escape("" if value is None else str(value))


# ---------------------------------------------------------------------------------------------- headline


def headline(con: duckdb.DuckDBPyConnection, marts: set[str]) -> tuple[list[Kpi], ChartData | None, str]:
    """Key figures over the whole period; the period itself."""
    if "fct_llm_calls" not in marts:
        return [], None, ""
    totals = query(
        con,
        f"""
        select min(call_date) as first_day, max(call_date) as last_day, count(*) as calls,
               sum(cost_usd) as cost_usd,
               sum(cost_usd) filter (where environment = 'production') as production_cost_usd,
               sum(list_cost_usd) as list_cost_usd,
               count(*) filter (where not is_priced) as unpriced_calls,
               count(distinct tenant_id) filter (where environment = 'production') as tenants
        from {MARTS}.fct_llm_calls
        """,
    )[0]
    if "fct_request_trees" in marts:
        totals["request_trees"] = con.execute(f"select count(*) from {MARTS}.fct_request_trees").fetchone()[0]
    period = f"{fmt.day(totals['first_day'])} to {fmt.day(totals['last_day'])}" if totals["first_day"] else ""
    cost, list_cost = totals["cost_usd"], totals["list_cost_usd"]
    savings = (list_cost - cost) if cost is not None and list_cost is not None else None
    kpis = [
        Kpi(
            "AI cost, all environments",
            fmt.money(cost),
            f"of which production {fmt.money(totals['production_cost_usd'])}",
        ),
        Kpi(
            "A cache-blind report would say",
            fmt.money(list_cost),
            f"over-stating by {fmt.money(savings)} ({fmt.pct(savings / cost if cost else None)})"
            if savings is not None
            else "",
        ),
        Kpi("LLM calls", fmt.count(totals["calls"]), f"{fmt.count(totals.get('request_trees'))} user actions"),
        Kpi(
            "Unpriced calls",
            fmt.count(totals["unpriced_calls"]),
            "no price in genai-prices: counted, never zero",
            "warn" if totals["unpriced_calls"] else "good",
        ),
    ]
    if "reconciliation_drift_daily" in marts:
        breaches = con.execute(
            f"select count(*) from {MARTS}.reconciliation_drift_daily where status in ('breach', 'unmetered_spend')"
        ).fetchone()[0]
        kpis.append(
            Kpi("Invoice drift breaches", fmt.count(breaches), "provider × model × day", "bad" if breaches else "good")
        )
    if "budget_alerts_daily" in marts:
        breached, last_day = con.execute(
            f"""
            select count(*) filter (where status = 'breached' and alert_date = last_day), max(last_day)
            from {MARTS}.budget_alerts_daily, (select max(alert_date) as last_day from {MARTS}.budget_alerts_daily)
            """
        ).fetchone()
        kpis.append(
            Kpi("Tenants over budget", fmt.count(breached), f"on {fmt.day(last_day)}", "bad" if breached else "good")
        )
    return kpis, ChartData("headline", "fct_llm_calls", "totals over the whole period", [totals]), period


# ------------------------------------------------------------------------------------ 1. margin trend


def margin_trend(con: duckdb.DuckDBPyConnection, section: Section) -> None:
    rows = query(
        con,
        f"""
        select month, feature,
               sum(allocated_revenue_usd) as allocated_revenue_usd,
               sum(cost_usd) as cost_usd,
               sum(gross_margin_usd) as gross_margin_usd,
               100 * sum(gross_margin_usd) / nullif(sum(allocated_revenue_usd), 0) as gross_margin_pct,
               100 * sum(cost_usd) / nullif(sum(allocated_revenue_usd), 0) as cost_share_of_revenue_pct,
               string_agg(plan_tier, ', ' order by plan_tier) filter (where is_margin_negative)
                   as margin_negative_tiers
        from {MARTS}.feature_unit_economics_monthly
        group by month, feature
        order by month, feature
        """,
    )
    section.data.append(
        ChartData("margin_trend", "feature_unit_economics_monthly", "sums over plan tiers per month and feature", rows)
    )
    if not rows:
        section.body.append(note("No production calls yet."))
        return
    months = sorted({row["month"] for row in rows})
    through = _through(con)
    by_feature: dict[str, dict] = defaultdict(dict)
    for row in rows:
        by_feature[row["feature"]][row["month"]] = row
    latest = months[-1]
    # Worst margin first, so the table and the legend open on the features that cost the most.
    features = sorted(
        by_feature,
        key=lambda f: (
            by_feature[f].get(latest, {}).get("gross_margin_pct") is None,
            _f(by_feature[f].get(latest, {}).get("gross_margin_pct")),
            f,
        ),
    )
    # Margins near 100% differ only in their complement, so the chart shows AI cost as a share of revenue.
    series = [
        (feature, [_f(by_feature[feature].get(m, {}).get("cost_share_of_revenue_pct")) for m in months])
        for feature in features
    ]
    chart = svg.line_chart(
        [month_label(m, through) for m in months],
        series,
        y_format=lambda v: f"{v:g}%",
        label="AI cost as a share of allocated revenue by feature and month",
        tooltip=lambda name, month, value: (
            f"{name} · {month}: AI cost {value:.3g}% of allocated revenue, "
            f"gross margin {fmt.pct_of_pct(by_feature[name][_month_of(months, month)]['gross_margin_pct'])}"
        ),
    )
    section.body.append(
        figure(
            chart,
            "AI cost as a % of the feature's allocated revenue (gross margin = 100% − this); higher is worse. "
            "Hover a point for its figures.",
        )
    )
    table_months = months[-TABLE_MONTHS:]
    headers = ["feature", *(f"{month_label(m, through)} gross margin" for m in table_months)]
    headers.append(f"over breakeven in {fmt.month(latest)}")
    table_rows, classes = [], []
    for feature in features:
        cells = [_esc(feature)]
        for month in table_months:
            row = by_feature[feature].get(month)
            margin_pct = f"<span class=muted>{fmt.pct_of_pct(row['gross_margin_pct'], 2)}</span>" if row else ""
            cells.append(f"{fmt.money(row['gross_margin_usd'])} {margin_pct}" if row else "–")
        negative = by_feature[feature].get(latest, {}).get("margin_negative_tiers")
        cells.append(_esc(negative or "–"))
        table_rows.append(cells)
        classes.append("flag" if negative else "")
    section.body.append(table(headers, table_rows, numeric=range(1, 1 + len(table_months)), row_classes=classes))
    section.body.append(
        note(
            "“Over breakeven” lists the plan tiers where AI cost per active user exceeds the breakeven share of "
            "the seat price (dbt var <code>margin_negative_ratio</code>, flag <code>is_margin_negative</code>)."
        )
    )


TABLE_MONTHS = 6  # the chart shows every month; the table the last six


def _month_of(months: Sequence[Any], label: str) -> Any:
    return next(m for m in months if label.startswith(fmt.month(m)))


# -------------------------------------------------------------------------- 2. cost per active user


TIER_ORDER = "case plan_tier when 'starter' then 1 when 'pro' then 2 when 'enterprise' then 3 else 9 end"


def cost_per_active_user(con: duckdb.DuckDBPyConnection, section: Section) -> None:
    rows = query(
        con,
        f"""
        select month, plan_tier, feature, active_users, price_per_seat_usd,
               cost_per_active_user_usd, p10_cost_per_active_user_usd, p50_cost_per_active_user_usd,
               p90_cost_per_active_user_usd, cost_to_price_ratio, is_margin_negative
        from {MARTS}.feature_unit_economics_monthly
        where month = ({_shown_month("feature_unit_economics_monthly")})
        order by {TIER_ORDER}, plan_tier, p90_cost_per_active_user_usd desc nulls last, feature
        """,
    )
    section.data.append(
        ChartData("cost_per_active_user", "feature_unit_economics_monthly", "latest month, every feature × tier", rows)
    )
    if not rows:
        section.body.append(note("No production calls yet."))
        return
    month = rows[0]["month"]
    breakeven_ratio = Decimal(str(dbt_project_vars().get("margin_negative_ratio", 0.4)))
    groups: dict[str, list[svg.RangeRow]] = defaultdict(list)
    for row in rows:
        if row["p90_cost_per_active_user_usd"] is None:
            continue
        tooltip = (
            f"{row['feature']} on {row['plan_tier']}: p10 {fmt.money(row['p10_cost_per_active_user_usd'])}, "
            f"p50 {fmt.money(row['p50_cost_per_active_user_usd'])}, "
            f"p90 {fmt.money(row['p90_cost_per_active_user_usd'])}, "
            f"mean {fmt.money(row['cost_per_active_user_usd'])} across {fmt.count(row['active_users'])} active users; "
            f"{fmt.ratio(row['cost_to_price_ratio'])} of the seat price"
        )
        seat = row["price_per_seat_usd"]
        breakeven = fmt.money(seat * breakeven_ratio) if seat is not None else "–"
        groups[f"{row['plan_tier']}: seat {fmt.money(seat)}/month, breakeven {breakeven} per active user"].append(
            svg.RangeRow(
                label=row["feature"],
                low=float(row["p10_cost_per_active_user_usd"]),
                mid=float(row["p50_cost_per_active_user_usd"]),
                high=float(row["p90_cost_per_active_user_usd"]),
                mean=float(row["cost_per_active_user_usd"] or 0),
                tooltip=tooltip,
                flagged=bool(row["is_margin_negative"]),
            )
        )
    chart = svg.range_chart(list(groups.items()), x_format=fmt.money_short, label="Cost per active user")
    section.body.append(
        figure(
            chart,
            f"{fmt.month(month)}: bar = p10 to p90 across active users (users without AI calls count as $0), "
            "tick = median, ◆ = mean. Red: over the breakeven share of the seat price.",
        )
    )
    table_rows = [
        [
            _esc(row["plan_tier"]),
            _esc(row["feature"]),
            fmt.count(row["active_users"]),
            fmt.money(row["p10_cost_per_active_user_usd"]),
            fmt.money(row["p50_cost_per_active_user_usd"]),
            fmt.money(row["p90_cost_per_active_user_usd"]),
            fmt.money(row["cost_per_active_user_usd"]),
            fmt.pct(row["cost_to_price_ratio"]),
        ]
        for row in rows
    ]
    section.body.append(
        details(
            "All features and tiers",
            table(
                ["tier", "feature", "active users", "p10", "p50", "p90", "mean", "of seat price"],
                table_rows,
                numeric=range(2, 8),
                row_classes=["flag" if row["is_margin_negative"] else "" for row in rows],
            ),
        )
    )


# -------------------------------------------------------------------------------------------- 3. tail


def tail(con: duckdb.DuckDBPyConnection, section: Section) -> None:
    rows = query(
        con,
        f"""
        select month, feature, trees, p50_cost_per_tree_usd, p95_cost_per_tree_usd, p99_cost_per_tree_usd,
               max_cost_per_tree_usd, tail_ratio, top_5pct_trees_cost_share, retry_cost_share
        from {MARTS}.tail_cost_monthly
        where month = ({_shown_month("tail_cost_monthly")})
        order by tail_ratio desc nulls last, feature
        """,
    )
    section.data.append(ChartData("tail", "tail_cost_monthly", "latest month, every feature", rows))
    if not rows:
        section.body.append(note("No production request trees yet."))
        return
    month = rows[0]["month"]
    chart_rows = [
        svg.TailRow(
            label=row["feature"],
            p50=float(row["p50_cost_per_tree_usd"]),
            p95=float(row["p95_cost_per_tree_usd"]),
            p99=float(row["p99_cost_per_tree_usd"]),
            annotation=fmt.ratio(row["tail_ratio"], 1),
            tooltip=(
                f"{row['feature']}: p50 {fmt.money(row['p50_cost_per_tree_usd'])}, "
                f"p95 {fmt.money(row['p95_cost_per_tree_usd'])}, p99 {fmt.money(row['p99_cost_per_tree_usd'])} "
                f"per request tree ({fmt.count(row['trees'])} trees)"
            ),
        )
        for row in rows
        if row["p50_cost_per_tree_usd"] is not None
    ]
    chart = svg.tail_chart(chart_rows, x_format=fmt.money_short, label="Tail cost per request tree")
    section.body.append(
        figure(chart, f"{fmt.month(month)}, log scale; features with the heaviest tail (p95 ÷ p50) first.")
    )
    section.body.append(
        table(
            ["feature", "trees", "p50", "p95", "p99", "max", "p95 ÷ p50", "cost in top 5% of trees", "retries' share"],
            [
                [
                    _esc(row["feature"]),
                    fmt.count(row["trees"]),
                    fmt.money(row["p50_cost_per_tree_usd"]),
                    fmt.money(row["p95_cost_per_tree_usd"]),
                    fmt.money(row["p99_cost_per_tree_usd"]),
                    fmt.money(row["max_cost_per_tree_usd"]),
                    fmt.ratio(row["tail_ratio"], 1),
                    fmt.pct(row["top_5pct_trees_cost_share"]),
                    fmt.pct(row["retry_cost_share"]),
                ]
                for row in rows
            ],
            numeric=range(1, 9),
        )
    )


# ------------------------------------------------------------------------------------------ 4. pareto


def pareto(con: duckdb.DuckDBPyConnection, section: Section) -> None:
    rows = query(
        con,
        f"""
        select month, cost_rank, tenant_id, plan_tier, cost_usd, cost_share, cumulative_cost_share,
               revenue_usd, gross_margin_pct, cost_mom_growth_pct
        from {MARTS}.tenant_cost_profile_monthly
        order by month, cost_rank, tenant_id
        """,
    )
    section.data.append(ChartData("pareto", "tenant_cost_profile_monthly", "every month and tenant", rows))
    if not rows:
        section.body.append(note("No production calls yet."))
        return
    by_month: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        by_month[row["month"]].append(row)
    months = sorted(by_month)
    latest = by_month[months[-1]]
    through = _through(con)
    latest_label = month_label(months[-1], through)
    curves = [(month_label(m, through), [float(r["cumulative_cost_share"] or 0) for r in by_month[m]]) for m in months]
    chart = svg.pareto_chart(
        curves,
        [float(r["cost_share"] or 0) for r in latest],
        label="Tenant Pareto curve",
        tooltip=lambda i: (
            f"#{latest[i]['cost_rank']} {latest[i]['tenant_id']} ({latest[i]['plan_tier']}): "
            f"{fmt.money(latest[i]['cost_usd'])}, {fmt.pct(latest[i]['cost_share'])} of cost, "
            f"{fmt.pct(latest[i]['cumulative_cost_share'])} cumulative"
        ),
    )
    top5 = [r for r in latest if r["cost_rank"] <= 5]
    top5_share = max((float(r["cumulative_cost_share"] or 0) for r in top5), default=0.0)
    section.body.append(
        f'<p class="lead">In {latest_label}, the top 5 of {len(latest)} tenants account for '
        f"<strong>{fmt.pct(top5_share)}</strong> of AI cost.</p>"
    )
    section.body.append(
        figure(
            chart,
            f"Lines: cumulative share per month; bars: each tenant's share in {latest_label}; dashed: 80%.",
        )
    )
    section.body.append(
        table(
            ["rank", "tenant", "plan", "cost", "share", "cumulative", "revenue", "gross margin", "cost vs last month"],
            [
                [
                    str(r["cost_rank"]),
                    _esc(r["tenant_id"]),
                    _esc(r["plan_tier"]),
                    fmt.money(r["cost_usd"]),
                    fmt.pct(r["cost_share"]),
                    fmt.pct(r["cumulative_cost_share"]),
                    fmt.money(r["revenue_usd"]),
                    fmt.pct_of_pct(r["gross_margin_pct"]),
                    fmt.pct_of_pct(r["cost_mom_growth_pct"]) if r["cost_mom_growth_pct"] is not None else "new",
                ]
                for r in latest[:10]
            ],
            numeric=(0, 3, 4, 5, 6, 7, 8),
            row_classes=["flag" if (_f(r["gross_margin_pct"]) or 0) < 0 else "" for r in latest[:10]],
            caption=f"Top 10 tenants in {latest_label}",
        )
    )


# ------------------------------------------------------------------------------------ 5. cache savings


def cache_savings(con: duckdb.DuckDBPyConnection, section: Section) -> None:
    daily = query(
        con,
        f"""
        select call_date, sum(list_cost_usd) as list_cost_usd, sum(cost_usd) as cost_usd,
               sum(savings_usd) as savings_usd
        from {MARTS}.cache_savings_daily group by call_date order by call_date
        """,
    )
    by_model = query(
        con,
        f"""
        select provider, model, sum(calls) as calls, sum(unpriced_calls) as unpriced_calls,
               sum(list_cost_usd) as list_cost_usd,
               sum(cost_usd) as cost_usd, sum(savings_usd) as savings_usd,
               100 * sum(savings_usd) / nullif(sum(cost_usd), 0) as over_report_pct,
               sum(cache_read_tokens) / nullif(sum(input_tokens_total), 0) as cache_hit_ratio
        from {MARTS}.cache_savings_daily group by provider, model order by savings_usd desc, provider, model
        """,
    )
    section.data.append(ChartData("cache_daily", "cache_savings_daily", "sums per day", daily))
    section.data.append(ChartData("cache_by_model", "cache_savings_daily", "sums per provider and model", by_model))
    if not daily:
        section.body.append(note("No production calls yet."))
        return
    total_list = sum(row["list_cost_usd"] or 0 for row in daily)
    total_cost = sum(row["cost_usd"] or 0 for row in daily)
    section.body.append(
        f'<p class="lead">Caching saved <strong>{fmt.money(total_list - total_cost)}</strong>: a cache-blind report '
        f"would show {fmt.money(total_list)} for {fmt.money(total_cost)} of actual production cost "
        f"({fmt.pct((total_list - total_cost) / total_cost) if total_cost else '–'} over-stated).</p>"
    )
    chart = svg.gap_chart(
        [fmt.short_day(row["call_date"]) for row in daily],
        [float(row["list_cost_usd"] or 0) for row in daily],
        [float(row["cost_usd"] or 0) for row in daily],
        names=("cache-blind cost", "actual cost", "saved by caching"),
        y_format=fmt.money_short,
        label="Daily cost with and without cache pricing",
        tooltip=lambda i: (
            f"{fmt.day(daily[i]['call_date'])}: actual {fmt.money(daily[i]['cost_usd'])}, cache-blind "
            f"{fmt.money(daily[i]['list_cost_usd'])}, saved {fmt.money(daily[i]['savings_usd'])}"
        ),
    )
    section.body.append(figure(chart, "Production cost per day; the shaded gap is what caching saved."))
    section.body.append(
        table(
            [
                "provider",
                "model",
                "calls",
                "unpriced",
                "cache-blind cost",
                "actual cost",
                "saved",
                "over-statement",
                "cache hit",
            ],
            [
                [
                    _esc(r["provider"]),
                    _esc(r["model"]),
                    fmt.count(r["calls"]),
                    fmt.count(r["unpriced_calls"]),
                    *(
                        ["no price"] * 3
                        if r["unpriced_calls"] == r["calls"]
                        else [fmt.money(r["list_cost_usd"]), fmt.money(r["cost_usd"]), fmt.money(r["savings_usd"])]
                    ),
                    fmt.pct_of_pct(r["over_report_pct"]),
                    fmt.pct(r["cache_hit_ratio"]),
                ]
                for r in by_model
            ],
            numeric=range(2, 9),
        )
    )


# ------------------------------------------------------------------------------------ 6. reconciliation


HEATMAP_MAX_DAYS = 92


def reconciliation(con: duckdb.DuckDBPyConnection, section: Section) -> None:
    rows = query(
        con,
        f"""
        select usage_date, provider, model, status, metered_cost_usd, invoiced_cost_usd, drift_usd, drift_pct
        from {MARTS}.reconciliation_drift_daily
        where usage_date > (select max(usage_date) from {MARTS}.reconciliation_drift_daily) - {HEATMAP_MAX_DAYS}
        order by provider, model, usage_date
        """,
    )
    section.data.append(
        ChartData("drift_heatmap", "reconciliation_drift_daily", f"last {HEATMAP_MAX_DAYS} days, every row", rows)
    )
    if not rows:
        section.body.append(note("Nothing metered or invoiced yet."))
        return
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals[f"{row['provider']} / {row['model']}"] += row["invoiced_cost_usd"] or row["metered_cost_usd"] or 0
    labels = sorted(totals, key=lambda label: (-totals[label], label))
    days = sorted({row["usage_date"] for row in rows})
    day_index = {d: i for i, d in enumerate(days)}
    cells = {}
    for row in rows:
        label = f"{row['provider']} / {row['model']}"
        cells[(labels.index(label), day_index[row["usage_date"]])] = svg.HeatCell(
            value=_f(row["drift_pct"]),
            status=row["status"],
            tooltip=(
                f"{fmt.day(row['usage_date'])} {label}: metered {fmt.money(row['metered_cost_usd'])}, invoiced "
                f"{fmt.money(row['invoiced_cost_usd'])}, drift {fmt.money(row['drift_usd'])} "
                f"({fmt.pct_of_pct(row['drift_pct'], 2)}), {row['status']}"
            ),
        )
    chart = svg.heatmap(
        labels,
        [fmt.short_day(d) for d in days],
        cells,
        color_limit=2 * float(dbt_project_vars().get("drift_breach_pct", 5)),
        label="Reconciliation drift heat map",
    )
    section.body.append(
        figure(
            chart,
            "Red: the provider invoiced more than we metered; blue: less; grey: no invoice yet. Outlined cells "
            "need a look; hover a cell for its figures.",
        )
    )
    flagged = sorted(
        (row for row in rows if row["status"] not in ("ok", "not_metered")),
        key=lambda row: (-abs(row["drift_usd"] or 0), row["usage_date"]),
    )
    status_counts: dict[str, int] = defaultdict(int)
    for row in rows:
        status_counts[row["status"]] += 1
    section.body.append(
        note("Days by status: " + ", ".join(f"{status} {n:,}" for status, n in sorted(status_counts.items())))
    )
    if flagged:
        section.body.append(
            table(
                ["day", "provider", "model", "status", "metered", "invoiced", "drift", "drift %"],
                [
                    [
                        fmt.day(r["usage_date"]),
                        _esc(r["provider"]),
                        _esc(r["model"]),
                        _esc(r["status"]),
                        fmt.money(r["metered_cost_usd"]),
                        fmt.money(r["invoiced_cost_usd"]),
                        fmt.money(r["drift_usd"]),
                        fmt.pct_of_pct(r["drift_pct"], 2),
                    ]
                    for r in flagged[:30]
                ],
                numeric=(4, 5, 6, 7),
                row_classes=["flag" if r["status"] in ("breach", "unmetered_spend") else "" for r in flagged[:30]],
                caption=f"Provider-days that are not ok ({len(flagged):,}; largest drift first"
                + (", first 30)" if len(flagged) > 30 else ")"),
            )
        )


# ----------------------------------------------------------------------------------------- 7. budgets


BUDGET_TABLE_DAYS = 7


def budget_alerts(con: duckdb.DuckDBPyConnection, section: Section) -> None:
    daily = query(
        con,
        f"""
        select alert_date,
               count(*) filter (where status = 'approaching') as approaching,
               count(*) filter (where status = 'breached') as breached,
               count(*) as tenants
        from {MARTS}.budget_alerts_daily group by alert_date order by alert_date
        """,
    )
    recent = query(
        con,
        f"""
        select alert_date, tenant_id, plan_tier, spend_usd, daily_cap_usd, utilization, status
        from {MARTS}.budget_alerts_daily
        where status in ('approaching', 'breached')
          and alert_date > (select max(alert_date) from {MARTS}.budget_alerts_daily) - {BUDGET_TABLE_DAYS}
        order by alert_date desc, utilization desc, tenant_id
        """,
    )
    section.data.append(ChartData("budget_daily", "budget_alerts_daily", "tenant-days per status and day", daily))
    section.data.append(
        ChartData("budget_recent", "budget_alerts_daily", f"alerts in the last {BUDGET_TABLE_DAYS} days", recent)
    )
    if not daily:
        section.body.append(note("No production calls yet."))
        return
    chart = svg.stacked_bars(
        [fmt.short_day(row["alert_date"]) for row in daily],
        [
            ("breached", [float(row["breached"]) for row in daily], svg.NEGATIVE),
            ("approaching", [float(row["approaching"]) for row in daily], "#f0a202"),
        ],
        y_format=lambda v: f"{v:g}",
        label="Tenants approaching or over budget per day",
        integer=True,
        tooltip=lambda i: (
            f"{fmt.day(daily[i]['alert_date'])}: {daily[i]['breached']} over budget, "
            f"{daily[i]['approaching']} approaching, of {daily[i]['tenants']} tenants with spend"
        ),
    )
    breached_days = sum(row["breached"] for row in daily)
    approaching_days = sum(row["approaching"] for row in daily)
    section.body.append(
        f'<p class="lead"><strong>{fmt.count(breached_days)}</strong> tenant-days over budget and '
        f"{fmt.count(approaching_days)} near it, over {fmt.count(len(daily))} days.</p>"
    )
    section.body.append(figure(chart, "Tenants per day over their cap (breached) or near it (approaching)."))
    if recent:
        shown = recent[:25]
        section.body.append(
            table(
                ["day", "tenant", "plan", "spend", "daily cap", "utilization", "status"],
                [
                    [
                        fmt.day(r["alert_date"]),
                        _esc(r["tenant_id"]),
                        _esc(r["plan_tier"]),
                        fmt.money(r["spend_usd"]),
                        fmt.money(r["daily_cap_usd"]),
                        fmt.pct(r["utilization"], 0),
                        _esc(r["status"]),
                    ]
                    for r in shown
                ],
                numeric=(3, 4, 5),
                row_classes=["flag" if r["status"] == "breached" else "" for r in shown],
                caption=f"Alerts in the last {BUDGET_TABLE_DAYS} days ({len(recent):,}"
                + (", highest utilization first 25)" if len(recent) > 25 else ")"),
            )
        )
    else:
        section.body.append(note(f"No tenant near or over its budget in the last {BUDGET_TABLE_DAYS} days."))


# ------------------------------------------------------------------------------------- 8. data quality


def data_quality(con: duckdb.DuckDBPyConnection, section: Section) -> None:
    by_source = query(
        con,
        f"""
        select source, sum(files_loaded) as files_loaded, sum(files_rejected) as files_rejected,
               sum(rows_loaded) as rows_loaded, sum(rows_quarantined) as rows_quarantined,
               sum(duplicate_call_records_merged) as duplicates_merged,
               sum(calls) as calls, sum(unpriced_calls) as unpriced_calls,
               sum(unpriced_calls) / nullif(sum(calls), 0) as unpriced_call_share,
               sum(untagged_cost_usd) as untagged_cost_usd,
               sum(untagged_cost_usd) / nullif(sum(cost_usd), 0) as untagged_cost_share
        from {MARTS}.data_quality_daily group by source order by source
        """,
    )
    daily = query(
        con,
        f"""
        select quality_date, sum(calls) as calls, sum(unpriced_calls) as unpriced_calls,
               sum(unpriced_calls) / sum(calls) as unpriced_call_share,
               sum(untagged_cost_usd) as untagged_cost_usd, sum(cost_usd) as cost_usd,
               sum(untagged_cost_usd) / nullif(sum(cost_usd), 0) as untagged_cost_share
        from {MARTS}.data_quality_daily
        group by quality_date having sum(calls) > 0 order by quality_date
        """,
    )
    reason_columns = [
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "and column_name like 'quarantined\\_%\\_rows' escape '\\' order by ordinal_position",
            [MARTS, "data_quality_daily"],
        ).fetchall()
    ]
    reasons = (
        query(
            con,
            "select reason, rows from (select "
            + ", ".join(f'sum("{c}") as "{c}"' for c in reason_columns)
            + f" from {MARTS}.data_quality_daily) unpivot (rows for reason in ("
            + ", ".join(f'"{c}"' for c in reason_columns)
            + ")) where rows > 0 order by rows desc, reason",
        )
        if reason_columns
        else []
    )
    for row in reasons:
        row["reason"] = row["reason"].removeprefix("quarantined_").removesuffix("_rows")
    section.data.append(ChartData("quality_by_source", "data_quality_daily", "sums per source", by_source))
    section.data.append(ChartData("quality_daily", "data_quality_daily", "call shares per day, all sources", daily))
    section.data.append(ChartData("quality_reasons", "data_quality_daily", "quarantined rows per reason", reasons))
    if not by_source:
        section.body.append(note("Nothing loaded yet."))
        return
    total_calls = sum(row["calls"] or 0 for row in by_source)
    unpriced = sum(row["unpriced_calls"] or 0 for row in by_source)
    untagged = sum(row["untagged_cost_usd"] or 0 for row in by_source)
    quarantined = sum(row["rows_quarantined"] or 0 for row in by_source)
    section.body.append(
        f'<p class="lead"><strong>{fmt.count(quarantined)}</strong> rows quarantined; '
        f"<strong>{fmt.count(unpriced)}</strong> of {fmt.count(total_calls)} calls unpriced "
        f"({fmt.pct(unpriced / total_calls if total_calls else None, 2)}); "
        f"<strong>{fmt.money(untagged)}</strong> of cost without a feature tag.</p>"
    )
    if daily:
        chart = svg.line_chart(
            [fmt.short_day(row["quality_date"]) for row in daily],
            [
                ("unpriced calls", [100 * float(row["unpriced_call_share"] or 0) for row in daily]),
                ("untagged cost", [100 * float(row["untagged_cost_share"] or 0) for row in daily]),
            ],
            y_format=lambda v: f"{v:g}%",
            label="Unpriced and untagged shares per day",
            tooltip=lambda name, day, value: f"{day}: {name} {value:.2f}%",
            height=220,
            dots=False,
        )
        section.body.append(
            figure(chart, "Share of calls without a price and share of cost without a feature tag, per call day.")
        )
    section.body.append(
        table(
            [
                "source", "files", "rejected", "rows loaded", "quarantined", "duplicates merged",
                "calls", "unpriced", "unpriced share", "untagged cost", "untagged share",
            ],
            [
                [
                    _esc(r["source"]),
                    fmt.count(r["files_loaded"]),
                    fmt.count(r["files_rejected"]),
                    fmt.count(r["rows_loaded"]),
                    fmt.count(r["rows_quarantined"]),
                    fmt.count(r["duplicates_merged"]),
                    fmt.count(r["calls"]),
                    fmt.count(r["unpriced_calls"]),
                    fmt.pct(r["unpriced_call_share"], 2),
                    fmt.money(r["untagged_cost_usd"]),
                    fmt.pct(r["untagged_cost_share"], 2),
                ]
                for r in by_source
            ],
            numeric=range(1, 11),
            row_classes=["flag" if r["files_rejected"] else "" for r in by_source],
        )
    )  # fmt: skip
    if reasons:
        section.body.append(
            table(
                ["quarantine reason", "rows"],
                [[_esc(r["reason"]), fmt.count(r["rows"])] for r in reasons],
                numeric=(1,),
            )
        )


SECTIONS: list[SectionSpec] = [
    SectionSpec(
        "margin",
        "Feature margin by month",
        "Which features make money? Gross margin = allocated revenue − AI cost, all plan tiers together.",
        ("feature_unit_economics_monthly",),
        margin_trend,
    ),
    SectionSpec(
        "cost-per-user",
        "Cost per active user by plan tier",
        "What does a feature cost per active user, and how unevenly is that spread across users?",
        ("feature_unit_economics_monthly",),
        cost_per_active_user,
    ),
    SectionSpec(
        "tail",
        "Tail cost per user action",
        "How heavy is each feature's tail? Cost per request tree (a user action with its retries and sub-calls).",
        ("tail_cost_monthly",),
        tail,
    ),
    SectionSpec(
        "tenants",
        "Tenant Pareto curve",
        "How concentrated is the spend? Cumulative share of AI cost by tenant, most expensive first.",
        ("tenant_cost_profile_monthly",),
        pareto,
    ),
    SectionSpec(
        "cache",
        "Cache savings",
        "How much does prompt caching save, and how far off is a report that ignores it?",
        ("cache_savings_daily",),
        cache_savings,
    ),
    SectionSpec(
        "reconciliation",
        "Invoice reconciliation drift",
        "Does each provider's invoice agree with what we metered? Drift = invoiced − metered, per model and day.",
        ("reconciliation_drift_daily",),
        reconciliation,
    ),
    SectionSpec(
        "budgets",
        "Budget alerts",
        "Which tenants are about to blow, or blew, their daily AI budget (seats × the plan's daily cap)?",
        ("budget_alerts_daily",),
        budget_alerts,
    ),
    SectionSpec(
        "quality",
        "Data quality",
        "What was quarantined, what could not be priced, and how much cost has no feature tag?",
        ("data_quality_daily",),
        data_quality,
    ),
]
