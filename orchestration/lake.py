"""The raw lake: every ``raw.*`` table of the DuckDB warehouse published as Parquet, so that another engine
(Spark, Databricks, Trino...) reads exactly what DuckDB loaded.

Layout, under ``settings.lake_dir`` (``AICOST_LAKE_DIR``, default ``warehouse/lake``)::

    <lake_dir>/raw/<table>/part-00000.parquet   one folder per raw table (a Spark / Hive table location)
    <lake_dir>/raw/_lake_manifest.json          when, which tables, how many rows, which columns and types

A table is written into a hidden folder beside its final one and swapped into place, so a reader never
sees half a file; a table that left the raw layer has its folder removed. Types are DuckDB's Parquet
types: DECIMAL stays DECIMAL (money is never a float), TIMESTAMP is a naive UTC timestamp in microseconds,
DATE is DATE. dbt's Spark target registers these folders as the ``raw`` sources (macros/spark).

The publisher only reads the warehouse, so it can use a read-only connection.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.ingest.sql import ident, lit

RAW_SCHEMA = "raw"
MANIFEST_NAME = "_lake_manifest.json"
PART_NAME = "part-00000.parquet"


@dataclass(frozen=True)
class PublishedTable:
    table: str
    rows: int
    path: Path
    columns: tuple[tuple[str, str], ...]  # (name, DuckDB type), in table order


def raw_dir(lake_dir: Path) -> Path:
    """The folder holding one sub-folder per raw table."""
    return Path(lake_dir) / RAW_SCHEMA


def raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every base table of the raw schema, by name."""
    return [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = ? and table_type = 'BASE TABLE' order by table_name",
            [RAW_SCHEMA],
        ).fetchall()
    ]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [RAW_SCHEMA, table],
        ).fetchall()
    )


def _swap_into_place(staging: Path, final: Path) -> None:
    retired = final.with_name(f".{final.name}.{uuid.uuid4().hex}.old")
    if final.exists():
        final.rename(retired)
    staging.rename(final)
    shutil.rmtree(retired, ignore_errors=True)


def publish_raw_tables(
    con: duckdb.DuckDBPyConnection, lake_dir: Path, tables: list[str] | None = None
) -> list[PublishedTable]:
    """Write each raw table (default: all of them) to ``<lake_dir>/raw/<table>/`` and the manifest.

    Empty tables are written too (a Parquet file with the schema and no rows), so that every dbt source
    resolves on the other engine. Returns what was published, in table order."""
    root = raw_dir(lake_dir)
    root.mkdir(parents=True, exist_ok=True)
    present = raw_tables(con)
    selected = present if tables is None else [t for t in present if t in set(tables)]
    missing = sorted(set(tables or ()) - set(present))
    if missing:
        raise ValueError(f"not in the raw schema: {', '.join(missing)}")

    published: list[PublishedTable] = []
    for table in selected:
        staging = root / f".{table}.{uuid.uuid4().hex}.partial"
        staging.mkdir()
        try:
            con.execute(
                f"copy (select * from {RAW_SCHEMA}.{ident(table)}) to {lit(str(staging / PART_NAME))} "
                "(format parquet, compression zstd)"
            )
            rows = con.execute(f"select count(*) from read_parquet({lit(str(staging / PART_NAME))})").fetchone()[0]
            _swap_into_place(staging, root / table)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        published.append(PublishedTable(table, rows, root / table, _columns(con, table)))

    _write_manifest(root, published, replace_all=tables is None)
    return published


def _write_manifest(root: Path, published: list[PublishedTable], *, replace_all: bool) -> None:
    manifest_path = root / MANIFEST_NAME
    previous = read_manifest(root.parent) if manifest_path.exists() else {"tables": {}}
    entries = {} if replace_all else dict(previous.get("tables", {}))
    for item in published:
        entries[item.table] = {
            "rows": item.rows,
            "path": f"{RAW_SCHEMA}/{item.table}",
            "columns": [{"name": name, "type": data_type} for name, data_type in item.columns],
        }
    if replace_all:
        for table in set(previous.get("tables", {})) - set(entries):
            shutil.rmtree(root / table, ignore_errors=True)
    document = {
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "format": "parquet",
        "tables": dict(sorted(entries.items())),
    }
    partial = root / f".{MANIFEST_NAME}.partial"
    partial.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, manifest_path)


def read_manifest(lake_dir: Path) -> dict:
    """The manifest of the last publication (``{"published_at", "format", "tables": {table: {...}}}``)."""
    return json.loads((raw_dir(lake_dir) / MANIFEST_NAME).read_text(encoding="utf-8"))


def main() -> None:
    """``python -m orchestration.lake``: publish the raw tables of the configured warehouse (AICOST_WAREHOUSE)
    to the configured lake (AICOST_LAKE_DIR, default <warehouse folder>/lake). The nightly job does this
    after every load (the lake/raw_parquet asset); this is for a one-off, e.g. before a first Spark build."""
    from orchestration import warehouse
    from orchestration.settings import Settings

    settings = Settings.from_env()
    with warehouse.connect(settings, read_only=True) as con:
        published = publish_raw_tables(con, settings.lake_dir)
    for item in published:
        print(f"{item.rows:>12,}  {item.path}")
    print(f"{len(published)} raw tables published to {raw_dir(settings.lake_dir)}")


__all__ = ["MANIFEST_NAME", "PublishedTable", "main", "publish_raw_tables", "raw_dir", "raw_tables", "read_manifest"]

if __name__ == "__main__":
    main()
