"""Alerts and the checks that raise them: a failed check or a failed run POSTs a JSON summary to the webhook
(a real HTTP server on 127.0.0.1), the freshness check measures the newest trace file's loaded_at, and the
budget check names the breached tenant-days of the recent window with a configurable severity."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.alerts import WEBHOOK_ENV, alert_on_run, check_failure_alert, run_failure_alert, send_alert
from orchestration.assets.checks import BUDGET_SEVERITY_ENV, no_budget_breaches, trace_files_fresh
from orchestration.ingest import ensure_raw_schema
from orchestration.report.project_vars import dbt_project_vars
from orchestration.resources import WarehouseResource


class _Webhook(BaseHTTPRequestHandler):
    received: list[dict]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append({"content_type": self.headers["Content-Type"], "json": json.loads(body)})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[HTTPServer]:
    server = HTTPServer(("127.0.0.1", 0), _Webhook)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv(WEBHOOK_ENV, f"http://127.0.0.1:{server.server_port}/hooks/aicost")
    yield server
    server.shutdown()
    server.server_close()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _manifest_warehouse(path: Path, rows: list[tuple[str, str, int, datetime]]) -> WarehouseResource:
    """A raw layer whose manifest holds (file_path, source, rows_loaded, loaded_at) rows."""
    with duckdb.connect(str(path)) as con:
        ensure_raw_schema(con)
        for file_path, source, rows_loaded, loaded_at in rows:
            con.execute(
                "insert into raw.load_manifest values (?, ?, 100, 'sha', 'loaded', ?, 0, 0, null, ?)",
                [file_path, source, rows_loaded, loaded_at],
            )
    return WarehouseResource(warehouse_path=str(path), landing_dir=str(path.parent / "landing"))


def _run_checks(warehouse: WarehouseResource, checks: list, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """Run the given checks as a job (their assets are external: only the checks execute)."""
    specs = [dg.AssetSpec(check.check_specs_by_output_name[next(iter(check.check_specs_by_output_name))].asset_key)
             for check in checks]  # fmt: skip
    defs = dg.Definitions(
        assets=specs,
        asset_checks=checks,
        jobs=[dg.define_asset_job("checks_only", selection=dg.AssetSelection.all_asset_checks())],
        resources={"warehouse": warehouse},
    )
    return defs.resolve_job_def("checks_only").execute_in_process(instance=instance, raise_on_error=False)


def _check_results(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        event.event_specific_data.check_name: event.event_specific_data
        for event in result.all_events
        if event.event_type_value == "ASSET_CHECK_EVALUATION"
    }


def _status_event(result: dg.ExecuteInProcessResult, kind: str) -> dg.DagsterEvent:
    return next(event for event in result.all_events if event.event_type_value == kind)


# ------------------------------------------------------------------------------------------- freshness


def test_stale_traces_fail_the_freshness_check_and_the_webhook_gets_the_summary(
    tmp_path: Path, webhook: HTTPServer
) -> None:
    limit = float(dbt_project_vars()["freshness_warn_hours"])
    newest = _now() - timedelta(hours=limit + 4)
    warehouse = _manifest_warehouse(
        tmp_path / "w.duckdb",
        [
            ("traces/otlp/old.jsonl", "otlp", 10, newest - timedelta(days=3)),
            ("traces/canonical/newest.parquet", "canonical", 10, newest),
            # Newer files that are not trace files with rows do not make the traces fresh.
            ("invoices/openai/costs.json", "openai_costs", 5, _now()),
            ("traces/litellm/empty.csv", "litellm", 0, _now()),
        ],
    )
    instance = dg.DagsterInstance.ephemeral()
    result = _run_checks(warehouse, [trace_files_fresh], instance)
    evaluation = _check_results(result)["trace_files_fresh"]
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.WARN
    age = evaluation.metadata["hours_since_newest_trace_file"].value
    assert abs(age - (_now() - newest).total_seconds() / 3600) < 0.2
    assert evaluation.metadata["newest_trace_file"].value == "traces/canonical/newest.parquet"
    assert result.success  # a warning does not fail the run

    # The run succeeded with a failed check: the check-failure sensor posts it.
    context = dg.build_run_status_sensor_context(
        sensor_name="check_failure_alert",
        dagster_event=_status_event(result, "PIPELINE_SUCCESS"),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    )
    check_failure_alert(context)
    assert len(webhook.received) == 1
    request = webhook.received[0]
    assert request["content_type"] == "application/json"
    payload = request["json"]
    assert payload["event"] == "check_failures" and payload["status"] == "SUCCESS"
    assert payload["run_id"] == result.run_id and payload["job"] == "checks_only"
    assert payload["failed_checks"] == [
        {
            "asset": "raw/load_manifest",
            "check": "trace_files_fresh",
            "severity": "WARN",
            "summary": evaluation.metadata["failure_summary"].value,
        }
    ]
    assert "traces/canonical/newest.parquet" in payload["text"]


def test_fresh_traces_pass_and_a_clean_run_sends_nothing(tmp_path: Path, webhook: HTTPServer) -> None:
    warehouse = _manifest_warehouse(tmp_path / "w.duckdb", [("traces/otlp/new.jsonl", "otlp", 3, _now())])
    instance = dg.DagsterInstance.ephemeral()
    result = _run_checks(warehouse, [trace_files_fresh], instance)
    assert _check_results(result)["trace_files_fresh"].passed
    assert alert_on_run(instance, result.run_id, job="checks_only", succeeded=True) is None
    assert webhook.received == []


def test_no_trace_file_at_all_is_not_fresh(tmp_path: Path) -> None:
    warehouse = _manifest_warehouse(tmp_path / "w.duckdb", [("product/mau/m.csv", "product_mau", 4, _now())])
    evaluation = _check_results(_run_checks(warehouse, [trace_files_fresh], dg.DagsterInstance.ephemeral()))
    assert not evaluation["trace_files_fresh"].passed
    assert evaluation["trace_files_fresh"].metadata["trace_files_loaded"].value == 0


def test_freshness_limit_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = _now() - timedelta(hours=5)
    warehouse = _manifest_warehouse(tmp_path / "w.duckdb", [("traces/otlp/a.jsonl", "otlp", 3, loaded)])
    monkeypatch.setenv("AICOST_FRESHNESS_WARN_HOURS", "4")
    evaluation = _check_results(_run_checks(warehouse, [trace_files_fresh], dg.DagsterInstance.ephemeral()))
    assert not evaluation["trace_files_fresh"].passed
    assert evaluation["trace_files_fresh"].metadata["freshness_warn_hours"].value == 4.0


# ---------------------------------------------------------------------------------------------- budgets


def _budget_warehouse(path: Path, rows: list[tuple]) -> WarehouseResource:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            """
            create table marts.budget_alerts_daily (
                alert_date date, tenant_id varchar, plan_tier varchar, spend_usd decimal(38, 12),
                daily_cap_usd decimal(38, 12), utilization decimal(38, 12), status varchar
            )
            """
        )
        con.executemany("insert into marts.budget_alerts_daily values (?, ?, ?, ?, ?, ?, ?)", rows)
    return WarehouseResource(warehouse_path=str(path), landing_dir=str(path.parent))


def _budget_row(day: date, tenant: str, spend: str, cap: str) -> tuple:
    spend_d, cap_d = Decimal(spend), Decimal(cap)
    utilization = spend_d / cap_d
    status = "breached" if utilization > 1 else "approaching" if utilization >= Decimal("0.8") else "ok"
    return (day, tenant, "pro", spend_d, cap_d, utilization, status)


@pytest.fixture
def budget_rows() -> list[tuple]:
    last = date(2026, 9, 30)
    return [
        _budget_row(last, "t-1", "25.00", "20.00"),
        _budget_row(last, "t-2", "17.00", "20.00"),
        _budget_row(last - timedelta(days=1), "t-3", "41.50", "40.00"),
        _budget_row(last - timedelta(days=1), "t-2", "5.00", "20.00"),
        _budget_row(last - timedelta(days=20), "t-4", "99.00", "10.00"),  # an old breach: outside the window
    ]


def test_budget_check_names_recent_breaches_as_a_warning(tmp_path: Path, budget_rows: list[tuple]) -> None:
    warehouse = _budget_warehouse(tmp_path / "w.duckdb", budget_rows)
    evaluation = _check_results(_run_checks(warehouse, [no_budget_breaches], dg.DagsterInstance.ephemeral()))[
        "no_budget_breaches"
    ]
    window = int(dbt_project_vars()["lookback_days"])
    last_day = max(row[0] for row in budget_rows)
    expected = sorted(
        ((row[0], row[1]) for row in budget_rows if row[6] == "breached" and row[0] > last_day - timedelta(window)),
        key=lambda key: key[0],
        reverse=True,
    )
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.WARN
    named = [(date.fromisoformat(b["date"]), b["tenant_id"]) for b in evaluation.metadata["breaches"].value]
    assert named == expected
    assert evaluation.metadata["breached_tenant_days_all_time"].value == sum(r[6] == "breached" for r in budget_rows)
    summary = evaluation.metadata["failure_summary"].value
    assert "t-1" in summary and "$25.00 of $20.00" in summary and "t-4" not in summary


def test_budget_check_severity_is_configurable(
    tmp_path: Path, budget_rows: list[tuple], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BUDGET_SEVERITY_ENV, "error")
    warehouse = _budget_warehouse(tmp_path / "w.duckdb", budget_rows)
    evaluation = _check_results(_run_checks(warehouse, [no_budget_breaches], dg.DagsterInstance.ephemeral()))
    assert evaluation["no_budget_breaches"].severity == dg.AssetCheckSeverity.ERROR


def test_budget_check_passes_without_recent_breach(tmp_path: Path, budget_rows: list[tuple]) -> None:
    calm = [row for row in budget_rows if row[6] != "breached" or row[1] == "t-4"]
    warehouse = _budget_warehouse(tmp_path / "w.duckdb", calm)
    evaluation = _check_results(_run_checks(warehouse, [no_budget_breaches], dg.DagsterInstance.ephemeral()))
    assert evaluation["no_budget_breaches"].passed


# ------------------------------------------------------------------------------------------ run failure


@dg.asset
def exploding_asset() -> None:
    raise RuntimeError("the warehouse disk is full")


def test_a_failed_run_posts_its_error(webhook: HTTPServer) -> None:
    instance = dg.DagsterInstance.ephemeral()
    defs = dg.Definitions(assets=[exploding_asset], jobs=[dg.define_asset_job("boom", selection=[exploding_asset])])
    result = defs.resolve_job_def("boom").execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_alert",
        dagster_event=_status_event(result, "PIPELINE_FAILURE"),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()
    run_failure_alert(context)
    assert len(webhook.received) == 1
    payload = webhook.received[0]["json"]
    assert payload["event"] == "run_failure" and payload["status"] == "FAILURE"
    assert payload["run_id"] == result.run_id and payload["job"] == "boom"
    assert "exploding_asset" in payload["message"]


def test_without_a_webhook_the_alert_is_only_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(WEBHOOK_ENV, raising=False)
    with caplog.at_level(logging.WARNING, logger="aicost.alerts"):
        assert send_alert({"text": "budget breached: t-1"}) is False
    assert "budget breached: t-1" in caplog.text


def test_an_unreachable_webhook_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Webhook)
    port = server.server_port
    server.server_close()  # nothing listens on this port any more
    with caplog.at_level(logging.WARNING, logger="aicost.alerts"):
        assert send_alert({"text": "x"}, webhook=f"http://127.0.0.1:{port}/") is False
    assert f"127.0.0.1:{port}" in caplog.text
