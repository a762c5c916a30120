"""The Parquet export: every mart as <export_dir>/<model>.parquet after each nightly run, for BI tools and
notebooks that read files rather than DuckDB (settings.export_dir, default warehouse/export).

Each file is written beside its final name and renamed into place, so a reader never sees half a file; a
mart that left the project has its old file removed (listed in _export_manifest.json), so no stale file
looks current. The export reads through a read-only connection: it needs no write lock."""

import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.assets.dbt_models import ai_cost_dbt_models
from orchestration.resources import WarehouseResource

MARTS_SCHEMA = "marts"
EXPORT_MANIFEST = "_export_manifest.json"
MART_KEYS: list[dg.AssetKey] = sorted(
    (key for key in ai_cost_dbt_models.keys if key.path[0] == MARTS_SCHEMA), key=lambda key: key.path[-1]
)
MART_MODELS: tuple[str, ...] = tuple(key.path[-1] for key in MART_KEYS)


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def export_marts(con: duckdb.DuckDBPyConnection, export_dir: Path, models: Sequence[str]) -> dict[str, int]:
    """Write each mart present in the warehouse to <export_dir>/<model>.parquet; returns rows per model."""
    export_dir.mkdir(parents=True, exist_ok=True)
    present = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [MARTS_SCHEMA]
        ).fetchall()
    }
    rows_by_model: dict[str, int] = {}
    for model in models:
        if model not in present:
            continue
        final = export_dir / f"{model}.parquet"
        partial = export_dir / f".{model}.parquet.partial"
        con.execute(
            f'copy (select * from {MARTS_SCHEMA}."{model}") to {_sql_string(str(partial))} '
            "(format parquet, compression zstd)"
        )
        os.replace(partial, final)
        rows_by_model[model] = con.execute(f"select count(*) from read_parquet({_sql_string(str(final))})").fetchone()[
            0
        ]
    _remove_dropped_exports(export_dir, set(rows_by_model))
    (export_dir / EXPORT_MANIFEST).write_text(
        json.dumps(
            {"exported_at": datetime.now(UTC).isoformat(timespec="seconds"), "rows_by_model": rows_by_model},
            indent=2,
        ),
        encoding="utf-8",
    )
    return rows_by_model


def _remove_dropped_exports(export_dir: Path, current: set[str]) -> None:
    manifest = export_dir / EXPORT_MANIFEST
    if not manifest.exists():
        return
    previous = json.loads(manifest.read_text(encoding="utf-8")).get("rows_by_model", {})
    for model in set(previous) - current:
        (export_dir / f"{model}.parquet").unlink(missing_ok=True)


@dg.asset(
    key=dg.AssetKey(["exports", "marts_parquet"]),
    group_name="reporting",
    kinds={"parquet"},
    deps=MART_KEYS,
    description="Every mart as <export_dir>/<model>.parquet (default warehouse/export) for BI tools that read files.",
)
def marts_parquet(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings()
    with warehouse.connect(read_only=True) as con:
        rows_by_model = export_marts(con, settings.export_dir, MART_MODELS)
    missing = [model for model in MART_MODELS if model not in rows_by_model]
    if missing:
        context.log.warning(f"not in the warehouse, not exported: {', '.join(missing)}")
    return dg.MaterializeResult(
        metadata={
            "export_dir": dg.MetadataValue.path(str(settings.export_dir)),
            "rows_by_model": dg.MetadataValue.json(rows_by_model),
            "files": dg.MetadataValue.int(len(rows_by_model)),
            "missing_marts": dg.MetadataValue.json(missing),
        }
    )
