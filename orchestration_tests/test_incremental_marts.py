"""The daily marts that read only fct_llm_calls are incremental by day, and so are the small daily
aggregates of the fact that the marts rebuilt whole (reconciliation_drift_daily, data_quality_daily)
read instead of the fact: after a nightly run (late days missing from the fact and from the models)
each of them equals its full-refresh content row for row, except what proves the run incremental and
not a rebuild:

- a day far outside the look-back, deleted from the mart only (the fact keeps it), stays missing;
- a stray row on the day just before the mart's window stays, while a stray row on the window's first
  day is gone (every day from the window start is recomputed whole).

The expected rows are the marts of the shared full build (``built_warehouse``), read before the
changes; a ``--full-refresh`` of the marts afterwards gives them back exactly."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration_tests.conftest import copy_warehouse
from orchestration_tests.test_incremental_trees import lookback_days

pytestmark = pytest.mark.slow

# model: (schema, day column, a text key column that the stray rows get a value of their own in)
INCREMENTAL_MARTS = {
    "cache_savings_daily": ("marts", "call_date", "feature"),
    "budget_alerts_daily": ("marts", "alert_date", "tenant_id"),
    "reconciliation_gateway_drift_daily": ("marts", "usage_date", "model"),
    "int_metered_token_costs_aggregated": ("intermediate", "usage_date", "model"),
    "int_metered_calls_aggregated": ("intermediate", "usage_date", "model"),
    "int_llm_call_quality_aggregated": ("intermediate", "call_date", "source"),
    "int_production_trees_counted": ("intermediate", "first_call_date", "feature"),
}


def rows(con: duckdb.DuckDBPyConnection, model: str) -> Counter:
    schema = INCREMENTAL_MARTS[model][0]
    return Counter(con.execute(f"select * from {schema}.{model}").fetchall())


def day_index(con: duckdb.DuckDBPyConnection, model: str) -> int:
    schema, day_column, _ = INCREMENTAL_MARTS[model]
    names = [c[0] for c in con.execute(f"select * from {schema}.{model} limit 0").description]
    return names.index(day_column)


def add_stray_row(con: duckdb.DuckDBPyConnection, model: str, day: date) -> tuple:
    """A copy of one of the mart's rows of ``day`` under a key value of its own; returns the row."""
    schema, day_column, key_column = INCREMENTAL_MARTS[model]
    stray_key = f"(stray row of {day})"
    con.execute(
        f"""
        insert into {schema}.{model}
        select * replace (cast(? as varchar) as {key_column})
        from {schema}.{model}
        where {day_column} = ?
        limit 1
        """,
        [stray_key, day],
    )
    stray = con.execute(f"select * from {schema}.{model} where {key_column} = ?", [stray_key]).fetchall()
    assert len(stray) == 1, f"{model} has no row on {day} to copy"
    return stray[0]


def test_incremental_daily_marts_equal_a_full_refresh(
    built_warehouse: Path, tmp_path: Path, dbt: Callable[..., object]
) -> None:
    warehouse = copy_warehouse(built_warehouse, tmp_path / "incremental_marts")
    lookback = lookback_days()
    with duckdb.connect(str(warehouse)) as con:
        full = {model: rows(con, model) for model in INCREMENTAL_MARTS}
        (last_day, first_day) = con.execute("select max(call_date), min(call_date) from marts.fct_llm_calls").fetchone()
        # the nightly case: the fact lacks its last two days (not loaded yet) and a day inside its look-back
        con.execute(
            "delete from marts.fct_llm_calls where call_date >= ? or call_date = ?",
            [last_day - timedelta(days=1), last_day - timedelta(days=3)],
        )
        strays = {}
        for model, (schema, day_column, _) in INCREMENTAL_MARTS.items():
            con.execute(
                f"delete from {schema}.{model} where {day_column} >= ? or {day_column} = ?",
                [last_day - timedelta(days=1), first_day],
            )
            (latest,) = con.execute(f"select max({day_column}) from {schema}.{model}").fetchone()
            window_start = latest - timedelta(days=lookback)
            assert window_start > first_day, "the sample must have days before the look-back"
            strays[model] = {
                "kept": add_stray_row(con, model, window_start - timedelta(days=1)),
                "replaced": add_stray_row(con, model, window_start),
            }

    selection = ["fct_llm_calls", *INCREMENTAL_MARTS]
    dbt(["run", "--select", *selection], warehouse=warehouse, work_dir=tmp_path / "dbt")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for model in INCREMENTAL_MARTS:
            day = day_index(con, model)
            expected = Counter({row: n for row, n in full[model].items() if row[day] != first_day})
            expected[strays[model]["kept"]] += 1
            assert rows(con, model) == expected, f"{model}: the incremental run must recompute its window only"

    dbt(["run", "--select", *INCREMENTAL_MARTS, "--full-refresh"], warehouse=warehouse, work_dir=tmp_path / "dbt")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for model in INCREMENTAL_MARTS:
            assert rows(con, model) == full[model], f"{model}: a full refresh must give the full build back"
