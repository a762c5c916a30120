"""Everything Dagster knows about this project: `dagster dev -m orchestration.definitions`.

    landing files ─▶ ingestion (raw.*) ─▶ dbt (seeds, staging, intermediate, marts) ─▶ report + Parquet export
                                    └──▶ raw lake (raw.* as Parquet, the sources on Spark / Databricks)

Assets: one per raw table (orchestration.assets.ingestion), the raw lake published after each load
(orchestration.assets.lake, docs/SPARK.md), every dbt model and seed through dagster-dbt
(orchestration.assets.dbt_models, grouped by folder), the HTML report and the Parquet export (group
"reporting"). Checks: Great Expectations on raw, every dbt test, trace freshness and budget breaches
(orchestration.assets.checks), reconciliation breaches (orchestration.assets.reconciliation_checks).

One job, `nightly`, over all of it. DuckDB has a single writer, so the job runs its steps one at a time in
one process, and the schedule and the landing sensor do not start a run while one is queued or running
(for runs launched by hand, see the README's `dagster.yaml`). `aicost run` executes this same job.
The dbt project stays one `@dbt_assets`: splitting the incremental fact out costs extra dbt starts per run
and buys nothing without partitions (README, "Why one dbt op").
"""

import os

import dagster as dg

from orchestration.alerts import alert_sensors
from orchestration.assets.checks import extra_asset_checks
from orchestration.assets.dbt_models import ai_cost_dbt_models, dbt_resource
from orchestration.assets.export import marts_parquet
from orchestration.assets.ingestion import ingestion_asset_checks, ingestion_assets
from orchestration.assets.lake import lake_assets
from orchestration.assets.reconciliation_checks import reconciliation_asset_checks
from orchestration.assets.reporting import ai_cost_report
from orchestration.progress import progress_logger
from orchestration.resources import WarehouseResource
from orchestration.sensors import IN_PROGRESS_STATUSES, build_landing_sensor

NIGHTLY_JOB_NAME = "nightly"
# Runs of the nightly job carry this tag, so a deployment can cap them at one at a time (README).
WAREHOUSE_WRITER_TAG = {"aicost/warehouse": "writer"}

all_assets = [*ingestion_assets, *lake_assets, ai_cost_dbt_models, ai_cost_report, marts_parquet]
all_asset_checks = [*ingestion_asset_checks, *extra_asset_checks, *reconciliation_asset_checks]

nightly_job = dg.define_asset_job(
    name=NIGHTLY_JOB_NAME,
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    run_tags=WAREHOUSE_WRITER_TAG,
    description=(
        "Load new landing files, publish the raw lake, build and test the dbt project, evaluate the checks, "
        "report and export."
    ),
)


@dg.schedule(
    name="nightly_schedule",
    job=nightly_job,
    cron_schedule=os.environ.get("AICOST_NIGHTLY_CRON", "0 2 * * *"),
    execution_timezone=os.environ.get("AICOST_NIGHTLY_TIMEZONE", "UTC"),
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="The nightly run (02:00 UTC unless AICOST_NIGHTLY_CRON / AICOST_NIGHTLY_TIMEZONE say otherwise).",
)
def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    in_progress = context.instance.get_run_records(
        dg.RunsFilter(job_name=NIGHTLY_JOB_NAME, statuses=IN_PROGRESS_STATUSES), limit=1
    )
    if in_progress:
        return dg.SkipReason(f"run {in_progress[0].dagster_run.run_id} is still queued or running")
    return dg.RunRequest()


landing_sensor = build_landing_sensor(nightly_job)

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=all_asset_checks,
    jobs=[nightly_job],
    schedules=[nightly_schedule],
    sensors=[landing_sensor, *alert_sensors],
    resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()},
    loggers={"console": progress_logger},
)
