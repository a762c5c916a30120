"""Run the nightly job in-process (what `aicost run` and the tests do) and turn its result into a
verdict: success, or a one-line reason naming what failed (a step, a blocking check, a rejected file)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg

from orchestration.settings import Settings


@dataclass
class RunOutcome:
    success: bool
    reason: str = ""
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    run_id: str = ""


def _instance() -> dg.DagsterInstance:
    # With DAGSTER_HOME set (as under `dagster dev`) runs are recorded there; otherwise in memory.
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


def run_nightly(settings: Settings, *, full_refresh: bool = False, echo: Callable[[str], None] = print) -> RunOutcome:
    settings.export_to_environ()
    log_path = settings.warehouse.parent / "logs" / "dbt_nightly.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("AICOST_DBT_LOG", str(log_path))
    # Import after the environment is set: resources and dbt read their paths from it.
    from orchestration.definitions import NIGHTLY_JOB_NAME, defs

    job = defs.resolve_job_def(NIGHTLY_JOB_NAME)
    run_config = {
        "ops": {"ai_cost_dbt_models": {"config": {"full_refresh": full_refresh}}},
        # Our concise console logger (orchestration/progress.py) instead of Dagster's debug stream.
        "loggers": {"console": {"config": {"log_level": "WARNING"}}},
    }
    started = time.monotonic()
    echo(f"running job '{NIGHTLY_JOB_NAME}' on {settings.landing_dir} -> {settings.warehouse}")
    instance = _instance()
    result = job.execute_in_process(run_config=run_config, instance=instance, raise_on_error=False)
    outcome = RunOutcome(success=result.success, seconds=time.monotonic() - started, run_id=result.run_id)

    failed_steps = [event.step_key for event in result.all_events if event.event_type_value == "STEP_FAILURE"]
    failed_checks: list[str] = []
    for event in result.all_events:
        if event.event_type_value != "ASSET_CHECK_EVALUATION":
            continue
        evaluation = event.event_specific_data
        if evaluation.passed:
            continue
        description = _describe_check(evaluation)
        if evaluation.severity == dg.AssetCheckSeverity.ERROR:
            failed_checks.append(description)
        else:
            outcome.warnings.append(description)

    reasons = []
    if failed_steps:
        reasons.append(f"failed steps: {', '.join(sorted(set(failed_steps)))}")
    if failed_checks:
        reasons.append(f"failed checks: {'; '.join(failed_checks)}")
    if reasons:
        outcome.success = False
        outcome.reason = " | ".join(reasons)
    elif not result.success:
        outcome.reason = "the run failed (see the log above)"
    # The alert sensors only see runs of a Dagster daemon; a run started here alerts by itself.
    from orchestration.alerts import alert_on_run

    alert_on_run(
        instance, result.run_id, job=NIGHTLY_JOB_NAME, succeeded=outcome.success, failure_message=outcome.reason
    )
    return outcome


def _describe_check(evaluation) -> str:
    text = f"{evaluation.asset_key.to_user_string()}/{evaluation.check_name}"
    description = evaluation.metadata.get("failure_summary") if evaluation.metadata else None
    if description is not None:
        text += f" ({description.value})"
    return text
