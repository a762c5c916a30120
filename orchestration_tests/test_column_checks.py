"""The column_checks generic test (macros/tests/column_checks.sql), which holds a model's row-level checks in
one query: a null in a not_null column, a negative value in a not_negative column, a value outside
accepted_values and a row where an expression is false or null each fail it (on the incremental fact; a
negative on a staging view too), and failed_checks names what failed; a null in a column that is only
not_negative or accepted_values, and a zero, pass (the old tests' semantics)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from orchestration_tests.conftest import copy_warehouse

pytestmark = pytest.mark.slow


def failing_rows(warehouse: Path, work_dir: Path) -> dict[str, list[tuple]]:
    """For each column_checks test of the last run: its failing rows (failed_checks, call_id), from the
    test's compiled query; their number is the failure count dbt reported."""
    results = json.loads((work_dir / "target" / "run_results.json").read_text())["results"]
    failing: dict[str, list[tuple]] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for result in results:
            name = result["unique_id"].split(".")[2]
            if not name.startswith("column_checks_"):
                continue
            rows = con.execute(f"select failed_checks, call_id from ({result['compiled_code']}) order by 2").fetchall()
            assert (result["status"], result["failures"]) == ("fail" if rows else "pass", len(rows)), result
            failing[name] = rows
    return failing


def test_a_null_a_negative_an_unaccepted_value_or_a_false_expression_fails_column_checks(
    built_warehouse: Path, tmp_path: Path, dbt: Callable[..., object]
) -> None:
    warehouse = copy_warehouse(built_warehouse, tmp_path / "planted")
    with duckdb.connect(str(warehouse)) as con:
        calls = [
            row[0] for row in con.execute("select call_id from marts.fct_llm_calls order by call_id limit 8").fetchall()
        ]
        null_key, negative, both, null_cost, zero, unaccepted, false_expression, null_expression = calls
        # fails: a not_null column null, a not_negative column below zero, both on one row
        con.execute("update marts.fct_llm_calls set trace_id = null where call_id = ?", [null_key])
        # (the input total no longer adds up either: the expression fails too)
        con.execute("update marts.fct_llm_calls set cache_read_tokens = -1 where call_id = ?", [negative])
        con.execute("update marts.fct_llm_calls set tenant_id = null, latency_ms = -5 where call_id = ?", [both])
        # fails: a status outside accepted_values; an expression false; an expression null (is_priced null)
        con.execute("update marts.fct_llm_calls set status = 'pending' where call_id = ?", [unaccepted])
        con.execute(
            "update marts.fct_llm_calls set reasoning_tokens = output_tokens + 1 where call_id = ?", [false_expression]
        )
        con.execute("update marts.fct_llm_calls set is_priced = null where call_id = ?", [null_expression])
        # passes: a null in columns that are only not_negative (an unpriced call: its expressions hold), a
        # null in an accepted_values column, and a zero
        con.execute(
            "update marts.fct_llm_calls set cost_usd = null, list_cost_usd = null, is_priced = false,"
            " unpriced_reason = null where call_id = ?",
            [null_cost],
        )
        con.execute("update marts.fct_llm_calls set latency_ms = 0 where call_id = ?", [zero])
        # the staging view over raw spans (raw enforces its not_null columns): a negative input count
        span = con.execute("select min(span_id) from raw.otlp_llm_spans").fetchone()[0]
        con.execute("update raw.otlp_llm_spans set input_tokens = -3 where span_id = ?", [span])

    work_dir = tmp_path / "dbt"
    dbt(
        [
            "test",
            "--select",
            "test_name:column_checks,fct_llm_calls test_name:column_checks,stg_otel__llm_spans",
        ],
        warehouse=warehouse,
        work_dir=work_dir,
        check=False,
    )
    failing = failing_rows(warehouse, work_dir)
    assert set(failing) == {"column_checks_fct_llm_calls", "column_checks_stg_otel__llm_spans"}
    assert failing["column_checks_fct_llm_calls"] == sorted(
        [
            ("trace_id is null", null_key),
            (
                "cache_read_tokens < 0; input_tokens_total = uncached_input_tokens + cache_read_tokens"
                " + cache_write_5m_tokens + cache_write_1h_tokens",
                negative,
            ),
            ("tenant_id is null; latency_ms < 0", both),
            ("status not in accepted values", unaccepted),
            ("reasoning_tokens <= output_tokens", false_expression),
            (
                "is_priced is null; is_priced = (cost_usd is not null); is_priced = (list_cost_usd is not null)",
                null_expression,
            ),
        ],
        key=lambda row: row[1],
    )
    assert failing["column_checks_stg_otel__llm_spans"] == [("input_tokens < 0", span)]
