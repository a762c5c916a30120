"""Unique (and near-unique: session) id columns of the wide tables are stored uncompressed on DuckDB (the models' config
``uncompressed_columns``, macros/portability/create_table_as.sql, and raw.canonical_llm_calls in
orchestration/ingest/raw_schema.sql), other text columns keep DuckDB's
compression, and a table declared that way holds exactly the rows of its query. Reuses the
``built_warehouse`` fixture (a full-refresh ``dbt build``); the incremental path is covered by
test_dbt_core.py's incremental-equals-full-refresh test."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

# table -> (its model's compiled SQL under the fixture's dbt target, the configured uncompressed ids)
UNCOMPRESSED = {
    "marts.fct_llm_calls": (
        "models/marts/core/fct_llm_calls.sql",
        {"call_id", "trace_id", "parent_call_id", "session_id"},
    ),
    "intermediate.int_trace_roots_identified": (
        "models/intermediate/int_trace_roots_identified.sql",
        {"trace_id", "root_id", "root_session_id"},
    ),
    "marts.fct_request_trees": ("models/marts/core/fct_request_trees.sql", {"trace_id", "root_id", "session_id"}),
}
# A low-cardinality text column of each table that must keep DuckDB's default compression.
COMPRESSED = {
    "marts.fct_llm_calls": "tenant_id",
    "intermediate.int_trace_roots_identified": "root_tenant_id",
    "marts.fct_request_trees": "tenant_id",
}
RAW_UNCOMPRESSED = {"call_id", "trace_id", "parent_call_id", "session_id"}


def text_compression_by_column(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, set[str]]:
    """The compressions of the data segments of every VARCHAR column (validity segments left out)."""
    rows = con.execute(
        "select column_name, compression from pragma_storage_info(?) where segment_type = 'VARCHAR'", [table]
    ).fetchall()
    found: dict[str, set[str]] = {}
    for column, compression in rows:
        found.setdefault(column, set()).add(compression)
    return found


@pytest.mark.parametrize("table", sorted(UNCOMPRESSED))
def test_configured_ids_are_stored_uncompressed(built_warehouse: Path, table: str) -> None:
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        found = text_compression_by_column(con, table)
    ids = UNCOMPRESSED[table][1]
    assert {column: found.get(column) for column in ids} == {column: {"Uncompressed"} for column in ids}
    # only the configured columns are forced: the other text columns keep DuckDB's choice
    assert {column for column, kinds in found.items() if "Uncompressed" in kinds} == ids
    other = COMPRESSED[table]
    assert found[other] and found[other].isdisjoint({"Uncompressed"}), (other, found[other])


@pytest.mark.parametrize("table", sorted(UNCOMPRESSED))
def test_table_declared_uncompressed_holds_its_query(built_warehouse: Path, table: str) -> None:
    """create table + insert select must give the rows and the column order of the model's query."""
    compiled = built_warehouse.parent / "dbt" / "target" / "compiled" / "ai_cost_allocation" / UNCOMPRESSED[table][0]
    sql = compiled.read_text(encoding="utf-8")
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        table_columns = [row[0] for row in con.execute(f"describe {table}").fetchall()]
        query_columns = [row[0] for row in con.execute(f"describe ({sql})").fetchall()]
        assert table_columns == query_columns
        (rows,) = con.execute(f"select count(*) from {table}").fetchone()
        (only_in_table,) = con.execute(
            f"select count(*) from (select * from {table} except all select * from ({sql}))"
        ).fetchone()
        (only_in_query,) = con.execute(
            f"select count(*) from (select * from ({sql}) except all select * from {table})"
        ).fetchone()
    assert rows > 0
    assert (only_in_table, only_in_query) == (0, 0)


def test_raw_call_ids_are_stored_uncompressed(built_warehouse: Path) -> None:
    """The ingest's raw table, as orchestration/ingest/raw_schema.sql declares it."""
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        found = text_compression_by_column(con, "raw.canonical_llm_calls")
        (rows,) = con.execute("select count(*) from raw.canonical_llm_calls").fetchone()
    assert rows > 0
    assert {column for column, kinds in found.items() if "Uncompressed" in kinds} == RAW_UNCOMPRESSED
    assert found["tenant_id"] and found["tenant_id"].isdisjoint({"Uncompressed"}), found["tenant_id"]
