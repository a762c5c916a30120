"""The reconciliation asset check, materialized against copies of the sample warehouse: it fails on
breach and unmetered spend, lists exactly those rows, takes its severity from the environment, and
passes when everything reconciles."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.assets.reconciliation_checks import (
    CHECK_NAME,
    RECONCILIATION_ASSET_KEY,
    SEVERITY_ENV,
    reconciliation_asset_checks,
)
from orchestration.resources import WarehouseResource

pytestmark = pytest.mark.slow


@dg.asset(key=RECONCILIATION_ASSET_KEY)
def _mart_already_built() -> None:
    """Stands in for the dbt asset: the mart is already in the copied warehouse."""


@pytest.fixture
def warehouse(built_warehouse: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "ai_costs.duckdb"
    shutil.copyfile(built_warehouse, copy)
    wal = built_warehouse.with_name(built_warehouse.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
    return copy


def evaluate(warehouse: Path, *, raise_on_error: bool = True) -> tuple[dg.ExecuteInProcessResult, list]:
    result = dg.materialize(
        [_mart_already_built, *reconciliation_asset_checks],
        resources={"warehouse": WarehouseResource(warehouse_path=str(warehouse))},
        raise_on_error=raise_on_error,
    )
    return result, result.get_asset_check_evaluations()


def failing_rows(warehouse: Path) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select usage_date, provider, model, status, drift_usd from marts.reconciliation_drift_daily
            where status = 'breach' or status = 'unmetered_spend' order by usage_date, provider, model
            """
        ).fetchall()
    return [
        {"usage_date": d.isoformat(), "provider": p, "model": m, "status": s, "drift_usd": str(x)}
        for d, p, m, s, x in rows
    ]


def test_fails_on_the_injected_breach_and_lists_the_rows(
    warehouse: Path, sample_landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SEVERITY_ENV, raising=False)
    drift = json.loads((sample_landing / "generator_manifest.json").read_text())["injected_drift"]
    expected = failing_rows(warehouse)
    assert any(
        (row["usage_date"], row["provider"], row["model"], row["status"])
        == (drift["usage_date"], drift["provider_id"], drift["model_id"], "breach")
        for row in expected
    )
    _, evaluations = evaluate(warehouse)
    assert len(evaluations) == 1
    evaluation = evaluations[0]
    assert (evaluation.asset_key, evaluation.check_name) == (RECONCILIATION_ASSET_KEY, CHECK_NAME)
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.WARN  # the default: a finding, not a broken run
    listed = evaluation.metadata["failing_rows"].value
    assert [{key: row[key] for key in expected[0]} for row in listed] == expected
    assert evaluation.metadata["failing_row_count"].value == len(expected)
    summary = evaluation.metadata["failure_summary"].value
    assert f"{drift['usage_date']} anthropic/{drift['model_id']} breach" in summary
    injected = next(
        row for row in listed if (row["usage_date"], row["model"]) == (drift["usage_date"], drift["model_id"])
    )
    assert Decimal(injected["invoiced_cost_usd"]) == Decimal(drift["invoiced_usd"])


def test_severity_comes_from_the_environment(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SEVERITY_ENV, "error")
    _, evaluations = evaluate(warehouse)
    assert not evaluations[0].passed
    assert evaluations[0].severity == dg.AssetCheckSeverity.ERROR
    monkeypatch.setenv(SEVERITY_ENV, "sometimes")
    result, evaluations = evaluate(warehouse, raise_on_error=False)
    assert not result.success and not evaluations


def test_passes_when_reconciled_and_fails_on_unmetered_spend(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SEVERITY_ENV, raising=False)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.reconciliation_drift_daily set status = 'ok' where status in ('breach', 'warn')")
    _, evaluations = evaluate(warehouse)
    assert evaluations[0].passed
    assert evaluations[0].metadata["failing_row_count"].value == 0

    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            """
            insert into marts.reconciliation_drift_daily by name
            select date '2026-08-15' as usage_date, 'openai' as provider, 'gpt-untracked' as model,
                   'unmetered_spend' as status, 0 as metered_calls, 0 as metered_cost_usd,
                   1.25 as invoiced_cost_usd, 0 as invoiced_non_token_usd, 1.25 as invoiced_total_usd,
                   1.25 as drift_usd, 100 as drift_pct, 3 as invoice_lines, false as has_usage_report,
                   true as is_model_mapped
            """
        )
    _, evaluations = evaluate(warehouse)
    assert not evaluations[0].passed
    assert [
        (r["model"], r["status"], r["invoiced_cost_usd"]) for r in evaluations[0].metadata["failing_rows"].value
    ] == [("gpt-untracked", "unmetered_spend", "1.250000000000")]
