"""Which rows the dbt data tests of a run read (macros/tests/reprocessed_window.sql).

A nightly run on a warehouse that already holds the incremental call tables reprocesses only the days
from their latest day minus var('lookback_days'); its data tests then read those days only
(data_test_scope=window). The latest day must be read before dbt runs: afterwards the tables hold the
new day. A first build, a full refresh or a missing or empty table tests every row (no vars). Shared by
the nightly Dagster asset and the benchmark's nightly step, so both run the same tests."""

from __future__ import annotations

import json

import duckdb

# The incremental tables and their day column. Each run of one starts at its own latest day minus the
# look-back, so the window starts at the earliest of them. The call tables must be there (else it is a
# first build); a model of the list that is not (yet) an incremental table of that column is skipped.
INCREMENTAL_TABLES = (
    ("intermediate", "int_llm_calls_deduplicated", "call_date"),
    ("marts", "fct_llm_calls", "call_date"),
    ("intermediate", "int_trace_roots_identified", "trace_date"),
    ("marts", "fct_request_trees", "trace_date"),
)
REQUIRED_TABLES = {"int_llm_calls_deduplicated", "fct_llm_calls"}


def data_test_window_vars(con: duckdb.DuckDBPyConnection, *, full_refresh: bool = False) -> dict[str, str]:
    """The dbt vars that scope the data tests to the reprocessed window, or {} to test every row."""
    if full_refresh:
        return {}
    wanted = ", ".join(f"('{schema}', '{table}', '{column}')" for schema, table, column in INCREMENTAL_TABLES)
    present = con.execute(
        f"""
        select columns.table_schema, columns.table_name, columns.column_name
        from information_schema.columns
        inner join information_schema.tables
            on columns.table_catalog = tables.table_catalog
            and columns.table_schema = tables.table_schema
            and columns.table_name = tables.table_name
        where tables.table_type = 'BASE TABLE'
            and columns.table_catalog = current_database()
            and (columns.table_schema, columns.table_name, columns.column_name) in ({wanted})
        """
    ).fetchall()
    if not REQUIRED_TABLES.issubset(table for _, table, _ in present):
        return {}
    latest_days = [
        con.execute(f"select max({column}) from {schema}.{table}").fetchone()[0] for schema, table, column in present
    ]
    if any(day is None for day in latest_days):
        return {}
    return {"data_test_scope": "window", "previous_latest_day": min(latest_days).isoformat()}


def dbt_vars_args(dbt_vars: dict[str, str]) -> list[str]:
    """`--vars <json>` for dbt's command line, or nothing."""
    return ["--vars", json.dumps(dbt_vars, sort_keys=True)] if dbt_vars else []
