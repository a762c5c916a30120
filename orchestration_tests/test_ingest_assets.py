"""The ingestion assets in a Dagster run: one asset per raw table with load metadata, Great Expectations
checks with the failed expectations in their metadata, and the error-severity check naming a rejected file."""

from __future__ import annotations

import re

import dagster as dg
import pytest
from fixtures.ingest.ingest_builders import (
    BASE_TIME,
    canonical_call,
    llm_span,
    openai_costs_page,
    otlp_request,
    write,
    write_canonical_parquet,
)

from orchestration.assets.ingestion import ingestion_asset_checks, ingestion_assets
from orchestration.ingest.loader import SCHEMA_SQL
from orchestration.resources import WarehouseResource

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("assets")
    landing = root / "landing"
    spans = [llm_span(n) for n in range(4)] + [llm_span(9, provider="acme-cloud")]
    write(landing / "traces/otlp/t.jsonl", otlp_request(spans, {"service.name": "svc"}) + "\n")
    calls = [canonical_call(n) for n in range(5)]
    write_canonical_parquet(landing / "traces/canonical/c.parquet", calls)
    day = BASE_TIME.replace(hour=0, minute=0, second=0, microsecond=0)
    # A credit below zero: loaded (it is not malformed), and the expectation on amounts fails.
    write(landing / "invoices/openai/costs.json", openai_costs_page([(day, [("gpt-4o, input", "-0.5", "usd")])]))
    outside = write(root / "outside.jsonl", "{}\n")
    (landing / "traces/otlp/linked.jsonl").symlink_to(outside)
    defs = dg.Definitions(
        assets=ingestion_assets,
        asset_checks=ingestion_asset_checks,
        resources={"warehouse": WarehouseResource(warehouse_path=str(root / "w.duckdb"), landing_dir=str(landing))},
        jobs=[dg.define_asset_job("ingest", selection=dg.AssetSelection.all(), executor_def=dg.in_process_executor)],
    )
    result = defs.resolve_job_def("ingest").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    return result, spans, calls


def _materializations(result) -> dict[str, dict]:
    return {
        e.event_specific_data.materialization.asset_key.to_user_string(): {
            k: v.value for k, v in e.event_specific_data.materialization.metadata.items()
        }
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
    }


def _checks(result) -> dict[tuple[str, str], object]:
    return {
        (e.event_specific_data.asset_key.to_user_string(), e.event_specific_data.check_name): e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }


def test_one_asset_per_raw_table(run) -> None:
    result, spans, calls = run
    tables = set(re.findall(r"create table if not exists raw\.(\w+)", SCHEMA_SQL.read_text()))
    materialized = _materializations(result)
    assert set(materialized) == {f"raw/{t}" for t in tables}
    assert materialized["raw/otlp_llm_spans"]["rows_loaded"] == len(spans)
    assert materialized["raw/canonical_llm_calls"]["rows_loaded"] == len(calls)
    assert materialized["raw/otlp_llm_spans"]["files_rejected"] == 1
    assert all(key.startswith("raw/") for key in materialized)


def test_expectation_checks_report_failed_expectations(run) -> None:
    result, _, _ = run
    checks = _checks(result)
    costs = checks[("raw/openai_costs", "great_expectations")]
    assert not costs.passed and costs.severity == dg.AssetCheckSeverity.ERROR
    failed = costs.metadata["failed_expectations"].value
    assert [(f["expectation"], f["column"]) for f in failed] == [("expect_column_values_to_be_between", "amount_value")]
    provider = checks[("raw/otlp_llm_spans", "great_expectations")]
    assert not provider.passed and provider.severity == dg.AssetCheckSeverity.WARN  # unknown provider: a warning
    assert provider.metadata["failed_expectations"].value[0]["examples"] == ["acme-cloud"]
    assert checks[("raw/canonical_llm_calls", "great_expectations")].passed


def test_rejected_file_check_names_the_file(run) -> None:
    result, _, _ = run
    check = _checks(result)[("raw/load_manifest", "no_rejected_files")]
    # ERROR severity: `aicost run` exits non-zero naming the file; non-blocking, so the good files of the
    # same run still reach dbt.
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert "traces/otlp/linked.jsonl" in check.metadata["failure_summary"].value
    materialized = _materializations(result)
    assert materialized["raw/canonical_llm_calls"]["rows_loaded"] > 0
