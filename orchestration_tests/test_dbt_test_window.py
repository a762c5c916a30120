"""The nightly run's data tests read only the reprocessed window (macros/tests/reprocessed_window.sql,
orchestration/dbt_test_window.py): a bad row planted inside the window fails the test, one planted
before it is not read; the full build's tests (no vars) report both."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.dbt_test_window import data_test_window_vars, dbt_vars_args
from orchestration.report.project_vars import dbt_project_vars

pytestmark = pytest.mark.slow

LOOKBACK_DAYS = int(dbt_project_vars()["lookback_days"])


def failures_by_test(work_dir: Path) -> dict[str, int]:
    results = json.loads((work_dir / "target" / "run_results.json").read_text())["results"]
    return {result["unique_id"].split(".")[2]: result["failures"] or 0 for result in results}


def test_window_vars_need_the_incremental_tables(ingested_warehouse: Path, built_warehouse: Path) -> None:
    # a first build (raw tables only) and a full refresh test every row
    with duckdb.connect(str(ingested_warehouse), read_only=True) as con:
        assert data_test_window_vars(con) == {}
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        assert data_test_window_vars(con, full_refresh=True) == {}
        (latest,) = con.execute("select max(call_date) from marts.fct_llm_calls").fetchone()
        assert data_test_window_vars(con) == {"data_test_scope": "window", "previous_latest_day": str(latest)}


def test_nightly_tests_read_only_the_reprocessed_window(
    built_warehouse: Path, tmp_path: Path, dbt: Callable[..., object]
) -> None:
    warehouse = tmp_path / "window.duckdb"
    shutil.copyfile(built_warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        test_vars = data_test_window_vars(con)
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
    dbt(["test", *selection, *dbt_vars_args(test_vars)], warehouse=warehouse, work_dir=nightly, check=False)
    full = tmp_path / "full"
    dbt(["test", *selection], warehouse=warehouse, work_dir=full, check=False)

    nightly_failures, full_failures = failures_by_test(nightly), failures_by_test(full)
    fact_test, staging_test = (
        "not_negative_fct_llm_calls_output_tokens",
        "not_negative_stg_otel__llm_spans_input_tokens",
    )
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
