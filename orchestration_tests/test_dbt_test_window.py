"""The nightly run's data tests read only the reprocessed window (macros/tests/reprocessed_window.sql,
orchestration/dbt_test_window.py): a bad row planted inside the window fails the test, one planted
before it is not read; the full build's tests (no vars) report both. The window is decided at execution
time (on-run-start records it), so the vars are constant and dbt keeps its partial parse."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.dbt_test_window import DATA_TEST_WINDOW_VARS, dbt_vars_args
from orchestration.report.project_vars import dbt_project_vars
from orchestration_tests.conftest import copy_warehouse

pytestmark = pytest.mark.slow

LOOKBACK_DAYS = int(dbt_project_vars()["lookback_days"])
# The incremental tables and their day column (meta.data_test_window_column of the incremental models).
INCREMENTAL_TABLES = (
    ("marts.fct_llm_calls", "call_date"),
    ("intermediate.int_trace_roots_identified", "trace_date"),
    ("marts.fct_request_trees", "trace_date"),
)


def failures_by_test(work_dir: Path) -> dict[str, int]:
    results = json.loads((work_dir / "target" / "run_results.json").read_text())["results"]
    return {result["unique_id"].split(".")[2]: result["failures"] or 0 for result in results}


def recorded_window(warehouse: Path, work_dir: Path) -> date | None:
    """The window start that on-run-start recorded for the last dbt run in work_dir (none: every row)."""
    invocation = json.loads((work_dir / "target" / "run_results.json").read_text())["metadata"]["invocation_id"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select window_start from main.dbt_data_test_window where invocation_id = ?", [invocation]
        ).fetchall()
    assert len(rows) == 1, rows
    return rows[0][0]


def test_window_is_recorded_only_on_an_incremental_run(
    ingested_warehouse: Path, built_warehouse: Path, tmp_path: Path, dbt: Callable[..., object]
) -> None:
    seed = ["seed", "--select", "token_conventions", *dbt_vars_args(DATA_TEST_WINDOW_VARS)]
    # a first build (raw tables only): every row
    first = copy_warehouse(ingested_warehouse, tmp_path / "first")
    dbt(seed, warehouse=first, work_dir=tmp_path / "first_dbt")
    assert recorded_window(first, tmp_path / "first_dbt") is None
    # a built warehouse: the earliest of the incremental tables' latest days minus the look-back
    warehouse = copy_warehouse(built_warehouse, tmp_path / "built")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        latest = min(
            con.execute(f"select max({column}) from {table}").fetchone()[0] for table, column in INCREMENTAL_TABLES
        )
    work_dir = tmp_path / "built_dbt"
    dbt(seed, warehouse=warehouse, work_dir=work_dir)
    assert recorded_window(warehouse, work_dir) == latest - timedelta(days=LOOKBACK_DAYS)
    # a full refresh: every row; and the same vars again keep dbt's partial parse
    result = dbt([*seed, "--full-refresh"], warehouse=warehouse, work_dir=work_dir)
    assert recorded_window(warehouse, work_dir) is None
    assert "Unable to do partial parsing" not in result.output


def test_nightly_tests_read_only_the_reprocessed_window(
    built_warehouse: Path, tmp_path: Path, dbt: Callable[..., object]
) -> None:
    warehouse = copy_warehouse(built_warehouse, tmp_path / "window")
    with duckdb.connect(str(warehouse)) as con:
        latest, first = con.execute("select max(call_date), min(call_date) from marts.fct_llm_calls").fetchone()
        window_start = latest - timedelta(days=LOOKBACK_DAYS)
        # one bad row on the window's first day (latest day before the run minus the look-back), one on
        # the day before it
        inside, outside = (
            con.execute("select min(call_id) from marts.fct_llm_calls where call_date = ?", [day]).fetchone()[0]
            for day in (window_start, window_start - timedelta(days=1))
        )
        con.execute(
            "update marts.fct_llm_calls set output_tokens = -1, reasoning_tokens = 0 where call_id in (?, ?)",
            [inside, outside],
        )
        # a raw record of a staging view (meta.data_test_window_column = started_at) on each side too
        raw_inside, raw_outside = (
            con.execute(
                "select min(span_id) from raw.otlp_llm_spans where cast(started_at as date) = ?", [day]
            ).fetchone()[0]
            for day in (window_start, window_start - timedelta(days=1))
        )
        con.execute(
            "update raw.otlp_llm_spans set input_tokens = -1 where span_id in (?, ?)",
            [raw_inside, raw_outside],
        )
        # a late twin of a call kept before the window (the unique test reads the window's keys against
        # the whole table), a call dropped before the window (only the full build reads it) and one
        # dropped from a file loaded after the last build (a late file older than the look-back: the
        # nightly conservation test still reads it)
        twin, dropped, late = (
            row[0]
            for row in con.execute(
                "select call_id from marts.fct_llm_calls where call_date < ? and call_id not in (?, ?, ?, ?) "
                "and call_id in (select span_id from raw.otlp_llm_spans) order by call_id limit 3",
                [window_start, inside, outside, raw_inside, raw_outside],
            ).fetchall()
        )
        con.execute(
            "insert into marts.fct_llm_calls select * replace (cast(? as date) as call_date) "
            "from marts.fct_llm_calls where call_id = ?",
            [latest, twin],
        )
        con.execute(
            "insert into raw.otlp_llm_spans select * replace (cast(? as timestamp) as started_at, "
            "cast(? as timestamp) as ended_at) from raw.otlp_llm_spans where span_id = ?",
            [latest, latest, twin],
        )
        con.execute("delete from marts.fct_llm_calls where call_id in (?, ?)", [dropped, late])
        con.execute(
            "update raw.otlp_llm_spans set _loaded_at = (select max(_loaded_at) + interval 1 day "
            "from raw.otlp_llm_spans) where span_id = ?",
            [late],
        )
    assert first < window_start - timedelta(days=1)

    selection = [
        "--select",
        "fct_llm_calls stg_otel__llm_spans int_llm_calls_unioned",
        "--exclude-resource-type",
        "unit_test",
    ]
    nightly = tmp_path / "nightly"
    dbt(["test", *selection, *dbt_vars_args(DATA_TEST_WINDOW_VARS)], warehouse=warehouse, work_dir=nightly, check=False)
    full = tmp_path / "full"
    dbt(["test", *selection], warehouse=warehouse, work_dir=full, check=False)

    nightly_failures, full_failures = failures_by_test(nightly), failures_by_test(full)
    # the negative token counts fail each model's column_checks (its not_null and not_negative checks)
    fact_test, staging_test = "column_checks_fct_llm_calls", "column_checks_stg_otel__llm_spans"
    assert (nightly_failures[fact_test], full_failures[fact_test]) == (1, 2)
    assert (nightly_failures[staging_test], full_failures[staging_test]) == (1, 2)
    unique_test = next(name for name in full_failures if name.startswith("unique_fct_llm_calls_call_id"))
    assert (nightly_failures[unique_test], full_failures[unique_test]) == (1, 1)
    # the singular tests: the source records' rules (the negative input above) and conservation
    records_test = "assert_llm_calls_unioned_records_are_valid"
    assert (nightly_failures[records_test], full_failures[records_test]) == (1, 2)
    conservation_test = "assert_llm_calls_every_call_reaches_the_fact"
    assert (nightly_failures[conservation_test], full_failures[conservation_test]) == (1, 2)
    # the same tests ran both ways, and the window never reports more than the full build
    assert nightly_failures.keys() == full_failures.keys()
    assert all(count <= full_failures[name] for name, count in nightly_failures.items())
