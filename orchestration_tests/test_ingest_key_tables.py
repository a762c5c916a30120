"""The compact key tables behind the duplicate check: they follow their raw tables row for row through loads
and replacements, a lost or stale one is rebuilt before it is trusted, and a hash match is only a candidate
(confirmed against the raw table), so colliding hashes change nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from fixtures.ingest.ingest_builders import CANONICAL_COLUMNS, canonical_call, write_canonical_parquet, write_csv
from test_ingest_exactly_once import build_landing, load_everything, snapshot

from orchestration.ingest import loader
from orchestration.ingest.loader import KEY_SCHEMA, SOURCE_DEFS

KEYED = [t for d in SOURCE_DEFS.values() for t in d.targets if t.call_key]


def key_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    return sorted(con.execute(f"select key_hash, _source_file from {KEY_SCHEMA}.{table}").fetchall())


def raw_key_rows(con: duckdb.DuckDBPyConnection, table: str, call_key: tuple[str, ...]) -> list[tuple]:
    """What the key table should hold, computed from the raw table."""
    return sorted(con.execute(f"select hash({', '.join(call_key)}), _source_file from raw.{table}").fetchall())


def add_duplicates(landing: Path) -> None:
    """call-00003 again unchanged (skipped) and call-00004 with other content (quarantined), in a new file."""
    write_canonical_parquet(
        landing / "traces/canonical/day9.parquet",
        [canonical_call(3), canonical_call(4, output_tokens=999), canonical_call(600)],
    )


def test_key_tables_follow_their_raw_tables_through_loads_and_replacements(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    build_landing(landing)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_everything(con, landing)
    rows = [canonical_call(n, output_tokens=5 * n) for n in range(20, 24)] + [canonical_call(41)]
    write_csv(landing / "traces/canonical/day2.csv", CANONICAL_COLUMNS, rows)  # replaces 7 rows by 5
    add_duplicates(landing)
    load_everything(con, landing)
    assert con.execute("select count(*) from raw.canonical_llm_calls").fetchone()[0] == 8 + 5 + 1
    for target in KEYED:
        assert key_rows(con, target.table) == raw_key_rows(con, target.table, target.call_key), target.table
    tables = con.execute(f"select table_name from duckdb_tables() where schema_name = '{KEY_SCHEMA}'").fetchall()
    assert {t for (t,) in tables} == {t.table for t in KEYED} | {"key_tables"}


@pytest.mark.parametrize(
    "damage",
    [
        f"drop schema {KEY_SCHEMA} cascade",  # a warehouse from before key tables
        f"delete from {KEY_SCHEMA}.canonical_llm_calls where _source_file like '%day1%'",  # out of step
        # Same size but hashed by a DuckDB whose hash() differs: only the recorded probe shows it.
        f"update {KEY_SCHEMA}.canonical_llm_calls set key_hash = key_hash + 1; "
        f"update {KEY_SCHEMA}.key_tables set hash_probe = hash_probe + 1",
    ],
    ids=["missing", "fewer_rows", "other_hash"],
)
def test_a_lost_or_stale_key_table_is_rebuilt_and_duplicates_are_still_caught(tmp_path: Path, damage: str) -> None:
    landing = tmp_path / "landing"
    build_landing(landing)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_everything(con, landing)
    con.execute(damage)
    add_duplicates(landing)
    canonical = load_everything(con, landing)["canonical"]
    assert canonical.files_loaded == 1
    assert canonical.rows_loaded_by_table == {"canonical_llm_calls": 1}
    assert canonical.rows_skipped == 1
    assert canonical.quarantined_by_reason == {"duplicate_conflicting": 1}
    detail = con.execute(
        "select detail from raw.quarantine where reason = 'duplicate_conflicting' and file_path like '%day9%'"
    ).fetchone()[0]
    assert detail == "call id call-00004 already loaded from traces/canonical/day1.parquet:5 with different content"
    assert key_rows(con, "canonical_llm_calls") == raw_key_rows(con, "canonical_llm_calls", ("call_id",))


def test_colliding_hashes_change_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every call key hashes to the same value: each row is a candidate, and the raw table decides."""
    landing = tmp_path / "landing"
    build_landing(landing)
    add_duplicates(landing)
    reference = duckdb.connect(str(tmp_path / "reference.duckdb"))
    expected = load_everything(reference, landing)
    monkeypatch.setattr(loader, "_key_hash", lambda target: "42::ubigint")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    results = load_everything(con, landing)
    assert snapshot(con) == snapshot(reference)
    for source, result in results.items():
        assert (result.rows_loaded_by_table, result.rows_skipped, result.quarantined_by_reason) == (
            expected[source].rows_loaded_by_table,
            expected[source].rows_skipped,
            expected[source].quarantined_by_reason,
        ), source
    assert expected["canonical"].rows_skipped == 1
    assert expected["canonical"].quarantined_by_reason["duplicate_conflicting"] == 1
    assert {h for h, _ in key_rows(con, "canonical_llm_calls")} == {42}
