"""Which rows the dbt data tests of a run read (macros/tests/reprocessed_window.sql).

The Dagster build and the benchmark run dbt with data_test_scope=window on every run: a nightly run on
a warehouse that already holds the incremental tables then tests only the days it reprocessed (from
the incremental tables' earliest latest day minus var('lookback_days')), while a first build or a
--full-refresh tests every row. dbt decides which at execution time (its on-run-start hook records the
window before any model runs), so the vars are the same on every run and dbt keeps its partial parse
(vars that changed every night, such as the previous latest day, made every run re-parse the project).
A run without the var (an analyst's `dbt build`, CI) tests every row."""

from __future__ import annotations

import json

# Constant on purpose: dbt re-parses the whole project whenever the vars change.
DATA_TEST_WINDOW_VARS: dict[str, str] = {"data_test_scope": "window"}


def dbt_vars_args(dbt_vars: dict[str, str]) -> list[str]:
    """`--vars <json>` for dbt's command line, or nothing."""
    return ["--vars", json.dumps(dbt_vars, sort_keys=True)] if dbt_vars else []
