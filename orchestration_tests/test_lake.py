"""The raw lake (orchestration/lake.py, orchestration/assets/lake.py): every raw table as Parquet, read back
equal to what DuckDB loaded, types included; re-publishing replaces the files; the Dagster asset writes
the lake of the configured warehouse."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.lake import MANIFEST_NAME, PART_NAME, publish_raw_tables, raw_tables, read_manifest


def _raw_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    return con.execute(f'select * from raw."{table}" order by all').fetchall()


@pytest.fixture(scope="module")
def published_lake(ingested_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    lake = tmp_path_factory.mktemp("lake")
    with duckdb.connect(str(ingested_warehouse), read_only=True) as con:
        publish_raw_tables(con, lake)
    return lake


def test_every_raw_table_reads_back_identical_with_its_types(ingested_warehouse: Path, published_lake: Path) -> None:
    with duckdb.connect(str(ingested_warehouse), read_only=True) as con:
        tables = raw_tables(con)
        assert {"canonical_llm_calls", "otlp_llm_spans", "rate_card", "load_manifest", "quarantine"} <= set(tables)
        for table in tables:
            path = published_lake / "raw" / table / PART_NAME
            assert path.is_file(), table
            warehouse_types = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            parquet_types = con.execute(f"describe select * from read_parquet('{path}')").fetchall()
            assert [(name, data_type) for name, data_type, *_ in parquet_types] == warehouse_types, table
            lake_rows = con.execute(f"select * from read_parquet('{path}') order by all").fetchall()
            assert lake_rows == _raw_rows(con, table), table


def test_money_is_a_parquet_decimal_and_timestamps_are_naive(published_lake: Path) -> None:
    schema = pq.read_schema(published_lake / "raw" / "litellm_spend_logs" / PART_NAME)
    assert str(schema.field("spend").type) == "decimal128(38, 12)"
    assert str(schema.field("start_time").type) == "timestamp[us]"  # no time zone: naive UTC
    rate_card = pq.read_schema(published_lake / "raw" / "rate_card" / PART_NAME)
    assert str(rate_card.field("input_mtok").type) == "decimal128(38, 18)"


def test_manifest_counts_the_rows_of_every_table(ingested_warehouse: Path, published_lake: Path) -> None:
    manifest = read_manifest(published_lake)
    with duckdb.connect(str(ingested_warehouse), read_only=True) as con:
        expected = {t: con.execute(f'select count(*) from raw."{t}"').fetchone()[0] for t in raw_tables(con)}
    assert {table: entry["rows"] for table, entry in manifest["tables"].items()} == expected
    assert sum(expected.values()) > 4000


def test_republishing_replaces_tables_and_drops_the_ones_that_left(
    ingested_warehouse: Path, published_lake: Path, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    shutil.copytree(published_lake, lake)
    # A table published earlier that is no longer in the raw schema, and a stale file in a current one.
    (lake / "raw" / "retired_table").mkdir()
    (lake / "raw" / "retired_table" / PART_NAME).write_bytes(b"old")
    manifest = json.loads((lake / "raw" / MANIFEST_NAME).read_text())
    manifest["tables"]["retired_table"] = {"rows": 1, "path": "raw/retired_table", "columns": []}
    (lake / "raw" / MANIFEST_NAME).write_text(json.dumps(manifest))
    (lake / "raw" / "subscriptions" / "stale.parquet").write_bytes(b"stale")

    with duckdb.connect(str(ingested_warehouse), read_only=True) as con:
        published = publish_raw_tables(con, lake)
        subscriptions = con.execute("select count(*) from raw.subscriptions").fetchone()[0]

    assert not (lake / "raw" / "retired_table").exists()
    assert sorted(p.name for p in (lake / "raw" / "subscriptions").iterdir()) == [PART_NAME]
    assert "retired_table" not in read_manifest(lake)["tables"]
    assert {item.table: item.rows for item in published}["subscriptions"] == subscriptions
    assert not [p for p in (lake / "raw").iterdir() if p.name.startswith(".")]  # no partial folders left


def test_publishing_a_subset_keeps_the_other_tables(ingested_warehouse: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(ingested_warehouse), read_only=True) as con:
        publish_raw_tables(con, tmp_path)
        publish_raw_tables(con, tmp_path, ["rate_card"])
        with pytest.raises(ValueError, match="not_a_table"):
            publish_raw_tables(con, tmp_path, ["not_a_table"])
        expected = set(raw_tables(con))
    assert set(read_manifest(tmp_path)["tables"]) == expected


def test_the_dagster_asset_publishes_the_lake_of_the_configured_warehouse(
    ingested_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.assets.lake import raw_lake_parquet
    from orchestration.resources import WarehouseResource

    warehouse = tmp_path / "ai_costs.duckdb"
    shutil.copyfile(ingested_warehouse, warehouse)
    monkeypatch.delenv("AICOST_LAKE_DIR", raising=False)
    result = dg.materialize(
        [raw_lake_parquet], resources={"warehouse": WarehouseResource(warehouse_path=str(warehouse))}
    )
    assert result.success
    metadata = result.asset_materializations_for_node(raw_lake_parquet.op.name)[0].metadata
    with duckdb.connect(str(warehouse), read_only=True) as con:
        expected = {t: con.execute(f'select count(*) from raw."{t}"').fetchone()[0] for t in raw_tables(con)}
    assert metadata["rows_by_table"].data == expected
    # The default lake is the folder `lake` beside the warehouse (settings.lake_dir).
    assert {p.name for p in (tmp_path / "lake" / "raw").iterdir() if p.is_dir()} == set(expected)
