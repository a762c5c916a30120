"""Alerts for the nightly job: a failed run, and failed asset checks in a run that otherwise succeeded.

Every alert is logged; when AICOST_ALERT_WEBHOOK is set it is also POSTed there as JSON. The payload carries
a `text` line, so a Slack or Teams incoming webhook shows it as is, beside the structured fields:

    {"source": "ai-cost-allocation", "event": "run_failure" | "check_failures", "job": "nightly",
     "run_id": "...", "status": "FAILURE" | "SUCCESS", "message": "...", "text": "...",
     "failed_checks": [{"asset": "marts/budget_alerts_daily", "check": "no_budget_breaches",
                        "severity": "WARN", "summary": "..."}]}

The sensors below run under the Dagster daemon (`dagster dev`, a deployment). `aicost run` executes the job
in-process without a daemon; it can call `alert_on_run` with its run id for the same alert.
"""

import json
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import dagster as dg
from dagster._core.events import DagsterEventType

WEBHOOK_ENV = "AICOST_ALERT_WEBHOOK"
WEBHOOK_TIMEOUT_SECONDS = 10
PAYLOAD_SOURCE = "ai-cost-allocation"

logger = logging.getLogger("aicost.alerts")


@dataclass(frozen=True)
class FailedCheck:
    asset: str
    check: str
    severity: str
    summary: str


def failed_checks_of_run(instance: dg.DagsterInstance, run_id: str) -> list[FailedCheck]:
    """Every asset check of the run that did not pass, in the order it was evaluated."""
    failed = []
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.event_specific_data
        if evaluation.passed:
            continue
        summary = evaluation.metadata.get("failure_summary") if evaluation.metadata else None
        failed.append(
            FailedCheck(
                asset=evaluation.asset_key.to_user_string(),
                check=evaluation.check_name,
                severity=evaluation.severity.value,
                summary=str(summary.value) if summary is not None else "",
            )
        )
    return failed


def build_payload(
    *, event: str, job: str, run_id: str, status: str, message: str, failed_checks: Sequence[FailedCheck]
) -> dict[str, Any]:
    lines = [f"[{PAYLOAD_SOURCE}] {message}"]
    lines += [f"- {c.severity} {c.asset} / {c.check}: {c.summary}".rstrip(": ") for c in failed_checks]
    return {
        "source": PAYLOAD_SOURCE,
        "event": event,
        "job": job,
        "run_id": run_id,
        "status": status,
        "message": message,
        "failed_checks": [asdict(check) for check in failed_checks],
        "text": "\n".join(lines),
    }


def send_alert(payload: dict[str, Any], *, webhook: str | None = None) -> bool:
    """Log the alert and POST it to the webhook (argument, else AICOST_ALERT_WEBHOOK) when there is one.

    Returns whether a webhook accepted it. A webhook that is down is logged, never raised: an alert must not
    turn a finished run's sensor tick into a second failure."""
    logger.warning(payload["text"])
    url = webhook if webhook is not None else os.environ.get(WEBHOOK_ENV, "")
    if not url:
        return False
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json", "User-Agent": PAYLOAD_SOURCE},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            accepted = 200 <= response.status < 300
    except (urllib.error.URLError, OSError) as error:
        logger.error(f"alert webhook {url} failed: {error}")
        return False
    if not accepted:
        logger.error(f"alert webhook {url} answered HTTP {response.status}")
    return accepted


def alert_on_run(
    instance: dg.DagsterInstance,
    run_id: str,
    *,
    job: str,
    succeeded: bool,
    failure_message: str = "",
    webhook: str | None = None,
) -> dict[str, Any] | None:
    """Send the alert a finished run deserves, if any: always for a failed run, and for a successful run
    when some of its checks failed (warnings, or error-severity checks that do not block). Returns the payload
    sent, or None when there was nothing to say."""
    failed_checks = failed_checks_of_run(instance, run_id)
    if succeeded and not failed_checks:
        return None
    if succeeded:
        message = f"job '{job}' succeeded with {len(failed_checks)} failed check(s) (run {run_id})"
        event, status = "check_failures", "SUCCESS"
    else:
        message = f"job '{job}' failed (run {run_id})" + (f": {failure_message}" if failure_message else "")
        event, status = "run_failure", "FAILURE"
    payload = build_payload(
        event=event, job=job, run_id=run_id, status=status, message=message, failed_checks=failed_checks
    )
    send_alert(payload, webhook=webhook)
    return payload


@dg.run_failure_sensor(
    name="run_failure_alert",
    description="Logs a failed run with its failed checks and POSTs it to AICOST_ALERT_WEBHOOK when set.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    alert_on_run(
        context.instance,
        run.run_id,
        job=run.job_name,
        succeeded=False,
        failure_message=context.failure_event.message or "",
    )


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="check_failure_alert",
    description=(
        "After a successful run, logs its failed asset checks (warnings such as budget breaches or stale traces) "
        "and POSTs them to AICOST_ALERT_WEBHOOK when set."
    ),
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def check_failure_alert(context: dg.RunStatusSensorContext) -> None:
    run = context.dagster_run
    alert_on_run(context.instance, run.run_id, job=run.job_name, succeeded=True)


alert_sensors = [run_failure_alert, check_failure_alert]
