"""Exactly once: a re-run loads nothing, an added file adds exactly its rows, a changed file replaces its
rows, a crash mid-file leaves nothing partial and the next run completes it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from fixtures.ingest.ingest_builders import (
    CANONICAL_COLUMNS,
    LOAD_NOW,
    canonical_call,
    llm_span,
    otlp_request,
    write,
    write_canonical_parquet,
    write_csv,
)

from orchestration.ingest import CRASH_ENV_VAR, SOURCES, InjectedCrash, ingest_source, outstanding_rejections
from orchestration.ingest.loader import SourceLoadResult

RESOURCE = {"service.name": "svc", "deployment.environment.name": "production"}
LOAD_TIME_COLUMNS = {"_loaded_at", "loaded_at", "quarantined_at"}


def load_everything(con: duckdb.DuckDBPyConnection, landing: Path) -> dict[str, SourceLoadResult]:
    return {source: ingest_source(con, source, landing, now=LOAD_NOW) for source in SOURCES}


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every raw table's rows (sorted), without the load-time columns that differ between runs."""
    tables = [t for (t,) in con.execute("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()]
    result = {}
    for table in sorted(tables):
        columns = [
            c
            for (c,) in con.execute(
                "select column_name from duckdb_columns() "
                "where schema_name = 'raw' and table_name = ? order by column_index",
                [table],
            ).fetchall()
            if c not in LOAD_TIME_COLUMNS
        ]
        rows = con.execute(f"select {', '.join(columns)} from raw.{table}").fetchall()
        result[table] = sorted(rows, key=repr)
    return result


def otlp_file(landing: Path, name: str, first: int, count: int, bad_line: bool = False) -> int:
    lines = [
        otlp_request([llm_span(n), llm_span(n + 1000, input_tokens=700)], RESOURCE) for n in range(first, first + count)
    ]
    if bad_line:
        lines.insert(1, lines[0][:40])
    write(landing / "traces/otlp" / name, "\n".join(lines) + "\n")
    return 2 * count


def build_landing(landing: Path) -> None:
    otlp_file(landing, "a.jsonl", 0, 5, bad_line=True)
    otlp_file(landing, "b.jsonl", 100, 4)
    write_canonical_parquet(landing / "traces/canonical/day1.parquet", [canonical_call(n) for n in range(8)])
    rows = [canonical_call(n) for n in range(20, 26)] + [canonical_call(27, output_tokens=-1)]
    write_csv(landing / "traces/canonical/day2.csv", CANONICAL_COLUMNS, rows)


def fresh_load(tmp: Path, landing: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(tmp / "reference.duckdb"))
    try:
        load_everything(con, landing)
        return snapshot(con)
    finally:
        con.close()


def test_a_second_run_loads_nothing_and_changes_nothing(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    build_landing(landing)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    first = load_everything(con, landing)
    before = snapshot(con)
    second = load_everything(con, landing)
    assert snapshot(con) == before
    assert sum(r.files_loaded for r in first.values()) == 4
    assert all(r.files_unchanged == r.files_seen and r.rows_loaded == 0 for r in second.values())
    assert all(r.rows_quarantined == 0 and r.rows_skipped == 0 for r in second.values())


def test_an_added_file_grows_the_totals_by_exactly_that_file(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    build_landing(landing)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_everything(con, landing)
    before = snapshot(con)
    added_calls = [canonical_call(n) for n in range(500, 530)]
    write_canonical_parquet(landing / "traces/canonical/day3.parquet", added_calls)
    added_spans = otlp_file(landing, "c.jsonl", 700, 3)
    results = load_everything(con, landing)
    after = snapshot(con)
    assert results["canonical"].files_loaded == 1 and results["otlp"].files_loaded == 1
    assert len(after["canonical_llm_calls"]) == len(before["canonical_llm_calls"]) + len(added_calls)
    assert len(after["otlp_llm_spans"]) == len(before["otlp_llm_spans"]) + added_spans
    new_ids = {c["call_id"] for c in added_calls}
    kept = [row for row in after["canonical_llm_calls"] if row[0] not in new_ids]
    assert kept == before["canonical_llm_calls"]
    assert after["quarantine"] == before["quarantine"]


def test_a_changed_file_replaces_its_earlier_rows(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    build_landing(landing)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_everything(con, landing)
    old_sha = con.execute(
        "select content_sha256 from raw.load_manifest where file_path = 'traces/canonical/day2.csv'"
    ).fetchone()[0]
    # Same path, new content: one call corrected, one dropped, one added, the bad row fixed.
    rows = [canonical_call(n, output_tokens=5 * n) for n in range(20, 25)] + [canonical_call(40), canonical_call(27)]
    write_csv(landing / "traces/canonical/day2.csv", CANONICAL_COLUMNS, rows)
    results = load_everything(con, landing)
    assert results["canonical"].files_replaced == 1
    loaded = con.execute(
        "select call_id, output_tokens from raw.canonical_llm_calls where _source_file = 'traces/canonical/day2.csv'"
    ).fetchall()
    assert sorted(loaded) == sorted((r["call_id"], r["output_tokens"]) for r in rows)
    statuses = con.execute(
        "select content_sha256, status from raw.load_manifest where file_path = 'traces/canonical/day2.csv'"
    ).fetchall()
    assert (old_sha, "replaced") in statuses and sum(1 for _, s in statuses if s == "loaded") == 1
    assert (
        con.execute("select count(*) from raw.quarantine where file_path = 'traces/canonical/day2.csv'").fetchone()[0]
        == 0
    )
    # The end state is the one a single load of the final folder gives (manifest history aside).
    final = snapshot(con)
    reference = fresh_load(tmp_path, landing)
    for table in final:
        if table != "load_manifest":
            assert final[table] == reference[table], table


def test_a_crash_mid_file_leaves_nothing_and_the_next_run_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    build_landing(landing)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    # b.jsonl crashes after its LLM spans are inserted and before its other spans and its commit.
    monkeypatch.setenv(CRASH_ENV_VAR, "traces/otlp/b.jsonl")
    with pytest.raises(InjectedCrash):
        ingest_source(con, "otlp", landing, now=LOAD_NOW)
    files = {p for (p,) in con.execute("select file_path from raw.load_manifest").fetchall()}
    assert files == {"traces/otlp/a.jsonl"}  # the file before it committed on its own
    for table in ("otlp_llm_spans", "otlp_spans"):
        partial = con.execute(
            f"select count(*) from raw.{table} where _source_file = 'traces/otlp/b.jsonl'"
        ).fetchone()[0]
        assert partial == 0, table
    assert con.execute("select count(*) from raw.quarantine where file_path = 'traces/otlp/b.jsonl'").fetchone()[0] == 0
    monkeypatch.delenv(CRASH_ENV_VAR)
    load_everything(con, landing)
    assert snapshot(con) == fresh_load(tmp_path, landing)


def test_a_rejected_file_stays_rejected_until_it_is_fixed(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    build_landing(landing)
    broken = write(landing / "traces/canonical/day9.parquet", b"not parquet at all")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    first = load_everything(con, landing)
    assert [r.file_path for r in first["canonical"].rejected_files] == ["traces/canonical/day9.parquet"]
    second = load_everything(con, landing)
    assert [r.file_path for r in second["canonical"].rejected_files] == ["traces/canonical/day9.parquet"]
    assert con.execute("select count(*) from raw.quarantine where file_path like '%day9%'").fetchone()[0] == 1
    assert [r.file_path for r in outstanding_rejections(con, landing)] == ["traces/canonical/day9.parquet"]
    fixed = [canonical_call(n) for n in range(900, 903)]
    write_canonical_parquet(broken, fixed)
    third = load_everything(con, landing)
    assert third["canonical"].files_replaced == 1 and not third["canonical"].rejected_files
    assert outstanding_rejections(con, landing) == []
    assert con.execute("select count(*) from raw.quarantine where file_path like '%day9%'").fetchone()[0] == 0
    assert con.execute("select count(*) from raw.canonical_llm_calls where _source_file like '%day9%'").fetchone()[
        0
    ] == len(fixed)


def test_a_deleted_rejected_file_no_longer_counts(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing / "traces/canonical/bad.parquet", b"garbage")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_everything(con, landing)
    assert len(outstanding_rejections(con, landing)) == 1
    shutil.rmtree(landing / "traces")
    assert outstanding_rejections(con, landing) == []
