"""The Dagster definitions: they load; one in-process `nightly` job over every asset; the schedule (cron and
timezone from the environment), the sensors and the checks are there; and the job runs in-process on the
small sample into a temporary DuckDB, materializing every asset, the report and the Parquet export."""

from __future__ import annotations

import importlib
import shutil
import threading
from collections.abc import Iterator
from http.server import HTTPServer
from pathlib import Path

import dagster as dg
import duckdb
import pytest

import orchestration.definitions
from orchestration.alerts import alert_on_run
from orchestration.assets.lake import LAKE_KEY
from orchestration.definitions import NIGHTLY_JOB_NAME, defs

RAW = "raw"
MARTS = "marts"


def _job() -> dg.JobDefinition:
    return defs.resolve_job_def(NIGHTLY_JOB_NAME)


def _all_asset_keys() -> set[dg.AssetKey]:
    return {key for assets in defs.resolve_asset_graph().assets_defs for key in assets.keys if assets.is_executable}


def _check_keys() -> set[dg.AssetCheckKey]:
    return set(defs.resolve_asset_graph().asset_check_keys)


def test_definitions_load() -> None:
    dg.Definitions.validate_loadable(defs)


def test_one_nightly_job_over_every_asset_in_one_process() -> None:
    job = _job()
    assert job.executor_def.name == "in_process"
    assert set(job.asset_layer.executable_asset_keys) == _all_asset_keys()
    groups = {key.path[0] for key in _all_asset_keys()}
    assert {RAW, "staging", "intermediate", MARTS, "seeds", "reports", "exports"} <= groups
    assert [j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__")] == [NIGHTLY_JOB_NAME]


def test_report_and_export_come_after_every_mart() -> None:
    graph = defs.resolve_asset_graph()
    marts = {key for key in _all_asset_keys() if key.path[0] == MARTS}
    assert {"fct_llm_calls", "budget_alerts_daily", "reconciliation_drift_daily"} <= {k.path[-1] for k in marts}
    for output in (dg.AssetKey(["reports", "ai_cost_report"]), dg.AssetKey(["exports", "marts_parquet"])):
        assert graph.get(output).parent_keys == marts


def test_the_raw_lake_is_published_after_every_load() -> None:
    graph = defs.resolve_asset_graph()
    raw = {key for key in _all_asset_keys() if key.path[0] == RAW}
    assert {"canonical_llm_calls", "rate_card", "load_manifest"} <= {k.path[-1] for k in raw}
    assert graph.get(LAKE_KEY).parent_keys == raw
    assert LAKE_KEY in _job().asset_layer.executable_asset_keys


def test_schedule_defaults_to_two_in_the_morning_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AICOST_NIGHTLY_CRON", raising=False)
    monkeypatch.delenv("AICOST_NIGHTLY_TIMEZONE", raising=False)
    module = importlib.reload(orchestration.definitions)
    schedule = module.defs.resolve_schedule_def("nightly_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "UTC")
    assert schedule.job_name == NIGHTLY_JOB_NAME
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_schedule_cron_and_timezone_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AICOST_NIGHTLY_CRON", "15 4 * * 1-5")
    monkeypatch.setenv("AICOST_NIGHTLY_TIMEZONE", "Europe/Berlin")
    try:
        schedule = importlib.reload(orchestration.definitions).defs.resolve_schedule_def("nightly_schedule")
        assert (schedule.cron_schedule, schedule.execution_timezone) == ("15 4 * * 1-5", "Europe/Berlin")
    finally:
        monkeypatch.undo()
        importlib.reload(orchestration.definitions)


def test_schedule_skips_while_a_run_is_in_progress() -> None:
    schedule = defs.resolve_schedule_def("nightly_schedule")
    with dg.instance_for_test() as instance:
        assert isinstance(schedule(dg.build_schedule_context(instance=instance)), dg.RunRequest)
        running = instance.add_run(dg.DagsterRun(job_name=NIGHTLY_JOB_NAME, status=dg.DagsterRunStatus.STARTED))
        skipped = schedule(dg.build_schedule_context(instance=instance))
    assert isinstance(skipped, dg.SkipReason) and running.run_id in skipped.skip_message


def test_sensors() -> None:
    sensors = {sensor.name: defs.resolve_sensor_def(sensor.name) for sensor in defs.sensors}
    assert set(sensors) == {"landing_sensor", "run_failure_alert", "check_failure_alert"}
    assert sensors["landing_sensor"].default_status == dg.DefaultSensorStatus.STOPPED
    assert sensors["landing_sensor"].job_name == NIGHTLY_JOB_NAME
    assert sensors["run_failure_alert"].default_status == dg.DefaultSensorStatus.RUNNING
    assert sensors["check_failure_alert"].default_status == dg.DefaultSensorStatus.RUNNING


def test_checks_cover_raw_dbt_tests_freshness_budgets_and_reconciliation() -> None:
    checks = _check_keys()
    names_by_asset: dict[str, set[str]] = {}
    for check in checks:
        names_by_asset.setdefault(check.asset_key.to_user_string(), set()).add(check.name)
    assert "great_expectations" in names_by_asset["raw/otlp_llm_spans"]
    assert {"no_rejected_files", "trace_files_fresh"} <= names_by_asset["raw/load_manifest"]
    assert "no_budget_breaches" in names_by_asset["marts/budget_alerts_daily"]
    dbt_test_checks = [c for c in checks if c.asset_key.path[0] in ("staging", "intermediate", MARTS)]
    assert len(dbt_test_checks) > 50  # every dbt data test is an asset check
    assert any(c.name == "column_checks_fct_llm_calls" for c in dbt_test_checks)
    assert "no_breach_or_unmetered_spend" in names_by_asset["marts/reconciliation_drift_daily"]
    assert set(_job().asset_layer.asset_graph.asset_check_keys) >= checks - {
        c for c in checks if c.asset_key not in _all_asset_keys()
    }


# ------------------------------------------------------------------------------------- the nightly run


@pytest.fixture(scope="module")
def nightly_run(sample_landing: Path, built_warehouse: Path, tmp_path_factory: pytest.TempPathFactory):
    """The nightly job on a copy of the built sample: what a night after the first looks like (every landing
    file already loaded, the incremental fact extended, every other model, check, the report and the export
    rebuilt). A fresh warehouse would only add the loads, which the ingestion tests cover."""
    root = tmp_path_factory.mktemp("nightly")
    shutil.copyfile(built_warehouse, root / "ai_costs.duckdb")
    wal = built_warehouse.with_name(built_warehouse.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, root / "ai_costs.duckdb.wal")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AICOST_WAREHOUSE", str(root / "ai_costs.duckdb"))
        env.setenv("AICOST_LANDING_DIR", str(sample_landing))
        env.setenv("AICOST_REPORT", str(root / "reports" / "ai_cost_report.html"))
        env.setenv("AICOST_DUCKDB_MEMORY_LIMIT", "2GB")
        env.setenv("AICOST_DBT_LOG", str(root / "dbt.log"))
        # dagster-dbt's per-run target folders go here, not into the repository's target/
        env.setenv("DBT_TARGET_PATH", str(root / "dbt_target"))
        instance = dg.DagsterInstance.ephemeral()
        result = _job().execute_in_process(instance=instance, raise_on_error=False)
    return result, instance, root


def _events(result: dg.ExecuteInProcessResult, kind: str) -> list:
    return [event for event in result.all_events if event.event_type_value == kind]


@pytest.mark.slow
def test_the_job_runs_in_process_and_materializes_every_asset(nightly_run) -> None:
    result, _, root = nightly_run
    failures = [e.step_key for e in _events(result, "STEP_FAILURE")]
    assert result.success, f"failed steps: {failures}"
    materialized = {e.event_specific_data.materialization.asset_key for e in _events(result, "ASSET_MATERIALIZATION")}
    assert materialized == _all_asset_keys()
    assert (root / "ai_costs.duckdb").is_file()
    assert {e.step_key for e in _events(result, "STEP_START")} == {e.step_key for e in _events(result, "STEP_SUCCESS")}


@pytest.mark.slow
def test_the_run_writes_the_report_and_the_export_of_every_mart(nightly_run) -> None:
    result, _, root = nightly_run
    with duckdb.connect(str(root / "ai_costs.duckdb"), read_only=True) as con:
        marts = {
            name: con.execute(f"select count(*) from marts.{name}").fetchone()[0]
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        for name, rows in marts.items():
            path = root / "export" / f"{name}.parquet"
            assert con.execute("select count(*) from read_parquet(?)", [str(path)]).fetchone()[0] == rows, name
        calls = marts["fct_llm_calls"]
        lake = root / "lake" / "raw" / "canonical_llm_calls" / "part-00000.parquet"  # the raw lake, beside it
        assert (
            con.execute("select count(*) from read_parquet(?)", [str(lake)]).fetchone()[0]
            == con.execute("select count(*) from raw.canonical_llm_calls").fetchone()[0]
        )
    html = (root / "reports" / "ai_cost_report.html").read_text(encoding="utf-8")
    assert f'"calls":{calls},' in html
    export = next(
        e.event_specific_data.materialization
        for e in _events(result, "ASSET_MATERIALIZATION")
        if e.event_specific_data.materialization.asset_key == dg.AssetKey(["exports", "marts_parquet"])
    )
    assert export.metadata["rows_by_model"].value == marts


@pytest.mark.slow
def test_the_run_evaluates_every_check(nightly_run) -> None:
    result, _, _ = nightly_run
    evaluated = {
        dg.AssetCheckKey(e.event_specific_data.asset_key, e.event_specific_data.check_name)
        for e in _events(result, "ASSET_CHECK_EVALUATION")
    }
    assert evaluated == set(_job().asset_layer.asset_graph.asset_check_keys)
    fresh = next(
        e.event_specific_data
        for e in _events(result, "ASSET_CHECK_EVALUATION")
        if e.event_specific_data.check_name == "trace_files_fresh"
    )
    assert fresh.passed  # the sample's trace files were loaded minutes ago


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[HTTPServer]:
    from test_alerts import _Webhook

    server = HTTPServer(("127.0.0.1", 0), _Webhook)
    server.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("AICOST_ALERT_WEBHOOK", f"http://127.0.0.1:{server.server_port}/")
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_the_runs_failed_checks_reach_the_webhook(nightly_run, webhook: HTTPServer) -> None:
    result, instance, _ = nightly_run
    failed = sorted(
        (e.event_specific_data.asset_key.to_user_string(), e.event_specific_data.check_name)
        for e in _events(result, "ASSET_CHECK_EVALUATION")
        if not e.event_specific_data.passed
    )
    payload = alert_on_run(instance, result.run_id, job=NIGHTLY_JOB_NAME, succeeded=result.success)
    if not failed:
        assert payload is None and webhook.received == []
        return
    assert len(webhook.received) == 1
    posted = webhook.received[0]["json"]
    assert posted == payload
    assert sorted((c["asset"], c["check"]) for c in posted["failed_checks"]) == failed
