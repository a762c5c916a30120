"""The HTML report: one self-contained file (inline CSS and SVG, no script to fetch, opens offline) built
from the marts through a read-only connection. `aicost report` and the nightly job's report asset both call
`write_report(settings, path)`.

Each chart's data is embedded beside it as `<script type="application/json" class="chart-data"
data-chart="...">` holding the mart, the columns and the rows exactly as queried (DECIMAL as exact strings),
so the figures can be checked against the warehouse, and copied into a spreadsheet.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from string import Template

import duckdb

from orchestration.report import sections as s
from orchestration.report.reader import WarehouseBusyError, connect_read_only
from orchestration.settings import Settings

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATE = PACKAGE_DIR / "templates" / "report.html"
STYLESHEET = PACKAGE_DIR / "static" / "report.css"
REPORT_TITLE = "AI cost report"
LOCK_WAIT_ENV = "AICOST_REPORT_LOCK_WAIT"

__all__ = ["WarehouseBusyError", "build_report_html", "write_report"]


def _script_json(data: object) -> str:
    # "</" would end the <script> element early; JSON allows the escaped form.
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")


def _render_section(section: s.Section) -> str:
    sources = ", ".join(f"marts.{mart}" for mart in section.marts)
    if section.missing:
        return (
            f'<section class="card missing" id="{section.key}"><h2>{escape(section.title)}</h2>'
            f'<p class="question">{escape(section.question)}</p>'
            f'<p class="note">Not available yet: {", ".join(f"<code>marts.{m}</code>" for m in section.missing)} '
            "is not in the warehouse (run <code>aicost run</code>).</p></section>"
        )
    scripts = "".join(
        f'<script type="application/json" class="chart-data" data-chart="{data.chart}">'
        f"{_script_json(data.as_json())}</script>"
        for data in section.data
    )
    return (
        f'<section class="card" id="{section.key}"><span class="source">{escape(sources)}</span>'
        f"<h2>{escape(section.title)}</h2>"
        f'<p class="question">{escape(section.question)}</p>' + "".join(section.body) + scripts + "</section>"
    )


def _render_kpis(kpis: list[s.Kpi]) -> str:
    return "".join(
        f'<div class="kpi {kpi.tone}"><div class="label">{escape(kpi.label)}</div>'
        f'<div class="value">{escape(kpi.value)}</div><div class="detail">{escape(kpi.detail)}</div></div>'
        for kpi in kpis
    )


def build_report_html(con: duckdb.DuckDBPyConnection, *, generated_at: datetime | None = None) -> str:
    generated_at = generated_at or datetime.now(UTC)
    marts = s.existing_marts(con)
    kpis, headline_data, period = s.headline(con, marts)
    built: list[s.Section] = []
    for spec in s.SECTIONS:
        section = spec.section()
        section.missing = [mart for mart in spec.marts if mart not in marts]
        if not section.missing:
            spec.build(con, section)
        built.append(section)
    nav = " ".join(
        f'<a href="#{section.key}"{" class=missing" if section.missing else ""}>{escape(section.title)}</a>'
        for section in built
    )
    headline_script = (
        f'<script type="application/json" class="chart-data" data-chart="headline">'
        f"{_script_json(headline_data.as_json())}</script>"
        if headline_data
        else ""
    )
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        title=escape(REPORT_TITLE),
        css=STYLESHEET.read_text(encoding="utf-8"),
        period=escape(period or "no calls yet"),
        generated=escape(generated_at.strftime("%Y-%m-%d %H:%M UTC")),
        nav=nav,
        kpis=_render_kpis(kpis) + headline_script,
        sections="\n".join(_render_section(section) for section in built),
    )


def write_report(settings: Settings, path: Path | str) -> Path:
    """Render the report from the warehouse's marts into `path` (written whole, then renamed into place).

    Raises WarehouseBusyError when another process keeps the warehouse locked for longer than
    AICOST_REPORT_LOCK_WAIT seconds (default 10), FileNotFoundError when there is no warehouse."""
    path = Path(path)
    wait_seconds = float(os.environ.get(LOCK_WAIT_ENV, "10"))
    with connect_read_only(settings, wait_seconds=wait_seconds) as con:
        html = build_report_html(con)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(html, encoding="utf-8")
    os.replace(partial, path)
    return path
