"""On DuckDB the models incremental by day (``incremental_by_day_config``: the strategy replace_window,
macros/portability/incremental_replace_window.sql) write their reprocessed window once: the model's query
is a temporary view, every day from the window start on is deleted and the view's rows are inserted into
the table. An incremental run must still give the full refresh's table:

- after the look-back days went missing and one day inside the window lost half its rows;
- after a day of the window lost every row of its source (a row planted on the day after the latest,
  as a clock-skewed record later corrected would leave): that day is emptied, where delete+insert kept
  it because the new rows had none of it;
- and the run writes no temporary table (dbt's debug log of the run);
- a sparse table (``int_llm_call_repeats_resolved``: a row only per call id with several records) takes
  the fact's window (``meta.window_latest_day_from``), wherever its own latest day is.

The expectation is the shared ``built_warehouse`` itself: a ``dbt build --full-refresh`` of the same data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration_tests.conftest import copy_warehouse, table_differences
from orchestration_tests.test_incremental_trees import lookback_days

pytestmark = pytest.mark.slow

# model -> (schema, day column, row key)
MODELS = {
    "int_trace_roots_identified": ("intermediate", "trace_date", "trace_id"),
    "fct_llm_calls": ("marts", "call_date", "call_id"),
    "fct_request_trees": ("marts", "trace_date", "trace_id"),
}
SCHEMAS = {model: schema for model, (schema, _, _) in MODELS.items()}


def latest_days(warehouse: Path) -> dict[str, date]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            model: con.execute(f"select max({day}) from {schema}.{model}").fetchone()[0]
            for model, (schema, day, _) in MODELS.items()
        }


def run_incremental(warehouse: Path, work_dir: Path, dbt: Callable[..., object]) -> str:
    """``dbt run`` of the four models (their tables exist: incremental); returns dbt's debug log."""
    dbt(["run", "--select", *MODELS], warehouse=warehouse, work_dir=work_dir)
    return (work_dir / "logs" / "dbt.log").read_text()


def deleted_from(work_dir: Path, model: str, schema: str | None = None, day: str | None = None) -> date:
    """The bound of the model's delete, read from the SQL dbt ran for it."""
    if schema is None or day is None:
        schema, day, _ = MODELS[model]
    run_sql = next((work_dir / "target" / "run").rglob(f"{model}.sql")).read_text()
    bounds = re.findall(
        rf"""delete from \S+\."{schema}"\."{model}"\s+where "{day}" >= cast\('([\d-]+)' as date\)""", run_sql
    )
    assert len(bounds) == 1, run_sql[:2000]
    return date.fromisoformat(bounds[0])


def test_incremental_run_restores_missing_days_and_writes_the_window_once(
    built_warehouse: Path, tmp_path: Path, dbt: Callable[..., object]
) -> None:
    warehouse = copy_warehouse(built_warehouse, tmp_path / "incremental")
    lookback = lookback_days()
    last = latest_days(warehouse)

    # The look-back days go missing (the next window then starts `lookback` days before the day that
    # is left the latest), and half the rows of a day inside that window.
    with duckdb.connect(str(warehouse)) as con:
        for model, (schema, day, key) in MODELS.items():
            kept_latest = last[model] - timedelta(days=lookback)
            half_day = kept_latest - timedelta(days=1)
            doomed = f"{day} > ? or ({day} = ? and hash({key}) % 2 = 0)"
            partial, whole = con.execute(
                f"select count(*) filter ({day} = ?), count(*) filter ({day} > ?) from {schema}.{model} where {doomed}",
                [half_day, kept_latest, kept_latest, half_day],
            ).fetchone()
            assert partial > 0 and whole > 0, (model, partial, whole)
            con.execute(f"delete from {schema}.{model} where {doomed}", [kept_latest, half_day])
            assert con.execute(f"select count(*) from {schema}.{model} where {day} = ?", [half_day]).fetchone()[0] > 0

    log = run_incremental(warehouse, tmp_path / "dbt", dbt)

    found = table_differences(warehouse, built_warehouse, SCHEMAS)
    assert all(rows > 500 for rows, _, _ in found.values()), found
    assert all(only_inc == only_full == 0 for _, only_inc, only_full in found.values()), found
    for model in MODELS:
        expected_start = last[model] - timedelta(days=2 * lookback)
        assert deleted_from(tmp_path / "dbt", model) == expected_start, model

    # Each model's query was a temporary view; no temporary table (delete+insert's copy of the window).
    assert not re.search(r"create\s+temp(orary)?\s+table", log, re.IGNORECASE)
    for model in MODELS:
        assert re.search(rf'create temporary view "{model}__dbt_tmp\d+" as', log), model


def test_a_window_day_without_new_rows_is_emptied(
    built_warehouse: Path, tmp_path: Path, dbt: Callable[..., object]
) -> None:
    warehouse = copy_warehouse(built_warehouse, tmp_path / "incremental")
    last = latest_days(warehouse)

    # A row of the day after the latest, whose records no longer exist upstream: the window of the
    # next run starts from it, and the query has no row of its day.
    with duckdb.connect(str(warehouse)) as con:
        for model, (schema, day, key) in MODELS.items():
            con.execute(
                f"""
                insert into {schema}.{model}
                select * replace ('ghost-{model}' as {key}, cast(? as date) as {day})
                from {schema}.{model}
                where {day} = ?
                limit 1
                """,
                [last[model] + timedelta(days=1), last[model]],
            )
    assert latest_days(warehouse) == {model: day + timedelta(days=1) for model, day in last.items()}

    run_incremental(warehouse, tmp_path / "dbt", dbt)

    found = table_differences(warehouse, built_warehouse, SCHEMAS)
    assert all(rows > 500 for rows, _, _ in found.values()), found
    assert all(only_inc == only_full == 0 for _, only_inc, only_full in found.values()), found
    assert latest_days(warehouse) == last


def test_the_sparse_repeats_table_takes_the_facts_window(
    built_warehouse: Path, tmp_path: Path, dbt: Callable[..., object]
) -> None:
    warehouse = copy_warehouse(built_warehouse, tmp_path / "incremental")
    repeats, table = "int_llm_call_repeats_resolved", "intermediate.int_llm_call_repeats_resolved"
    with duckdb.connect(str(warehouse)) as con:
        fact_latest = con.execute("select max(call_date) from marts.fct_llm_calls").fetchone()[0]
        window_start = fact_latest - timedelta(days=lookback_days())
        # Twins of canonical calls from before and inside the window (another file, same content): the
        # sample has no repeated call of its own.
        con.execute(
            """insert into raw.canonical_llm_calls
            select * replace ('twins.parquet' as _source_file)
            from raw.canonical_llm_calls
            where cast(started_at as date) >= ? and hash(call_id) % 3 = 0""",
            [window_start - timedelta(days=3)],
        )
    dbt(["run", "--full-refresh", "--select", repeats], warehouse=warehouse, work_dir=tmp_path / "full")
    expected = copy_warehouse(warehouse, tmp_path / "expected")
    with duckdb.connect(str(warehouse)) as con:
        before, inside = con.execute(
            f"select count(*) filter (call_date < ?), count(*) filter (call_date >= ?) from {table}",
            [window_start, window_start],
        ).fetchone()
        assert before > 5 and inside > 5, (before, inside)
        # The window's repeats go missing, and a row lands far past the fact's latest day: a window from
        # the table's own latest day would start after the missing days and never restore them.
        con.execute(f"delete from {table} where call_date >= ?", [window_start])
        con.execute(
            f"insert into {table} select * replace ('ghost' as call_id, cast(? as date) as call_date) "
            f"from {table} limit 1",
            [fact_latest + timedelta(days=40)],
        )

    dbt(["run", "--select", repeats], warehouse=warehouse, work_dir=tmp_path / "dbt")

    assert deleted_from(tmp_path / "dbt", repeats, "intermediate", "call_date") == window_start
    found = table_differences(warehouse, expected, {repeats: "intermediate"})
    assert found[repeats][1:] == (0, 0), found
