"""The dbt project as Dagster assets: one asset per model and seed, dbt tests as asset checks, dbt
sources mapped onto the ingestion assets (AssetKey(["raw", <table>])), groups by folder."""

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.dbt_project import ai_costs_project
from orchestration.dbt_test_window import DATA_TEST_WINDOW_VARS, dbt_vars_args
from orchestration.resources import WarehouseResource


class AiCostDbtTranslator(DagsterDbtTranslator):
    """Sources are the raw tables the ingestion assets write; models are keyed by schema and name and
    grouped by their top folder (staging / intermediate / marts); seeds form their own group."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props.get("schema")
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


class DbtBuildConfig(dg.Config):
    full_refresh: bool = False


@dbt_assets(
    manifest=ai_costs_project.manifest_path,
    project=ai_costs_project,
    dagster_dbt_translator=AiCostDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
    name="ai_cost_dbt_models",
)
def ai_cost_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource, config: DbtBuildConfig
) -> Iterator[Any]:
    # dbt runs as a subprocess and reads the warehouse path from the environment (profiles.yml).
    settings = warehouse.settings()
    settings.export_to_environ()
    # A nightly run on a built DuckDB warehouse tests only the days it reprocessed; a first build or a full
    # refresh tests every row (dbt decides at execution time, so the vars are constant and dbt keeps its
    # partial parse). Another engine's target tests every row.
    test_vars = DATA_TEST_WINDOW_VARS if dbt.target != "spark" else {}
    args = ["build", *(["--full-refresh"] if config.full_refresh else []), *dbt_vars_args(test_vars)]
    invocation = dbt.cli(args, context=context)
    log_path = os.environ.get("AICOST_DBT_LOG")
    if not log_path:
        yield from invocation.stream()
        return
    # `aicost run` keeps the terminal quiet: dagster-dbt echoes every dbt line to stdout, so send it to
    # a log file instead (the run's events still carry every result).
    with open(log_path, "a", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        yield from invocation.stream()


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=ai_costs_project, target=os.environ.get("AICOST_DBT_TARGET", "dev"))
