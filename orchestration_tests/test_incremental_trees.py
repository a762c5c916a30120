"""The trace models are incremental by day: int_trace_roots_identified and fct_request_trees, built
incrementally after one more day of trace files lands, equal a ``--full-refresh`` build of the same data
row for row, including traces that straddle midnight at either edge of the look-back window:

- one whose root is the day before the window's first day and whose child call is on that first day
  (its row stays as the earlier build made it; the window's call is not counted twice);
- one whose root is on the last day already loaded and whose child call arrives with the new day (its
  row is rebuilt with both calls).

The base is the generated sample without its last day of trace files (OTLP, LiteLLM and canonical:
conftest's ``base_ingested_warehouse``); the new day is the rest of the sample, ingested on top. The two
straddling traces are copies of a generated LLM span, inserted into the raw OTLP table. dbt builds the
trace models and what they read, with those models' data tests (the other marts are not involved)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration_tests.conftest import REPO_ROOT, copy_warehouse, ingest_landing, table_differences

pytestmark = pytest.mark.slow

TRACE_MODELS = {"int_trace_roots_identified": "intermediate", "fct_request_trees": "marts"}
LOW_EDGE, HIGH_EDGE = "trace-straddles-window-start", "trace-straddles-new-day"
# The trace models and their parents, with only the data tests whose every parent is built.
TRACE_SUBGRAPH = (
    "--select",
    *(f"+{model}" for model in TRACE_MODELS),
    "--indirect-selection",
    "cautious",
    "--exclude-resource-type",
    "unit_test",
)


def lookback_days() -> int:
    text = (REPO_ROOT / "dbt_project.yml").read_text()
    return int(re.search(r"^\s+lookback_days:\s*(\d+)", text, re.MULTILINE).group(1))


def add_llm_span(
    warehouse: Path, trace_id: str, span_id: str, parent_span_id: str | None, started_at: datetime
) -> None:
    """A copy of a generated LLM span (same model, tokens and tags) under new ids and times."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            """
            insert into raw.otlp_llm_spans
            select * replace (
                $trace_id as trace_id, $span_id as span_id, $parent as parent_span_id,
                $started as started_at, $started + interval 2 second as ended_at,
                _source_row + 1000000 as _source_row
            )
            from raw.otlp_llm_spans
            where input_tokens > 0 and coalesce(status_code, 0) != 2
            order by span_id
            limit 1
            """,
            {"trace_id": trace_id, "span_id": span_id, "parent": parent_span_id, "started": started_at},
        )


def max_record_day(warehouse: Path) -> date:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            """
            select max(started_at)::date from (
                select started_at from raw.otlp_llm_spans
                union all select started_at from raw.otlp_spans
                union all select start_time from raw.litellm_spend_logs
            ) as records
            """
        ).fetchone()[0]


def test_incremental_trace_models_equal_a_full_refresh(
    base_ingested_warehouse: Path, sample_landing: Path, tmp_path: Path, dbt: Callable[..., object]
) -> None:
    warehouse = copy_warehouse(base_ingested_warehouse, tmp_path / "incremental")

    # The window of the next run starts at the latest day loaded minus the look-back.
    last_loaded = max_record_day(warehouse)
    window_start = last_loaded - timedelta(days=lookback_days())
    midnight = datetime.combine(window_start, datetime.min.time())
    last_midnight = datetime.combine(last_loaded + timedelta(days=1), datetime.min.time())
    add_llm_span(warehouse, LOW_EDGE, "low-root", None, midnight - timedelta(seconds=5))
    add_llm_span(warehouse, LOW_EDGE, "low-child", "low-root", midnight + timedelta(seconds=3))
    add_llm_span(warehouse, HIGH_EDGE, "high-root", None, last_midnight - timedelta(seconds=4))
    dbt(["build", "--full-refresh", *TRACE_SUBGRAPH], warehouse=warehouse, work_dir=tmp_path / "base")

    with duckdb.connect(str(warehouse), read_only=True) as con:
        starts = con.execute("select max(trace_date) from intermediate.int_trace_roots_identified").fetchone()[0]
        assert starts == last_loaded, "the crafted edges assume the roots' latest day is the latest record's"

    # One more day lands (the whole sample: only the last day's files are new), with the child of the
    # trace begun just before midnight.
    ingest_landing(warehouse, sample_landing)
    assert max_record_day(warehouse) == last_loaded + timedelta(days=1)
    add_llm_span(warehouse, HIGH_EDGE, "high-child", "high-root", last_midnight + timedelta(seconds=2))
    work = tmp_path / "incremental_dbt"
    dbt(["build", *TRACE_SUBGRAPH], warehouse=warehouse, work_dir=work)
    for model in TRACE_MODELS:
        compiled = next((work / "target" / "compiled").rglob(f"{model}.sql")).read_text()
        assert "traces_started_before" in compiled, f"{model} was not built incrementally"

    full = copy_warehouse(warehouse, tmp_path / "full")
    dbt(["run", "--full-refresh", "--select", *TRACE_MODELS], warehouse=full, work_dir=tmp_path / "full_dbt")

    found = table_differences(warehouse, full, TRACE_MODELS)
    assert all(rows > 1000 for rows, _, _ in found.values()), found
    assert all(only_inc == only_full == 0 for _, only_inc, only_full in found.values()), found

    with duckdb.connect(str(warehouse), read_only=True) as con:
        edges = con.execute(
            f"""
            select trace_id, trace_date, calls, root_id
            from marts.fct_request_trees
            where trace_id in ('{LOW_EDGE}', '{HIGH_EDGE}')
            order by trace_id
            """
        ).fetchall()
    assert edges == [
        (HIGH_EDGE, last_loaded, 2, "high-root"),
        (LOW_EDGE, window_start - timedelta(days=1), 2, "low-root"),
    ]
