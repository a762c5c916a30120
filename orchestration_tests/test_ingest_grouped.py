"""New Parquet files of one source load in groups, one transaction per group (loader._ingest_group): the
raw tables, key table, quarantine and manifest must be what loading the same files one at a time gives,
above all the duplicate verdicts across the files of a group; a group that fails loads file by file; a
crash loses the whole group and a rerun loads it."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fixtures.ingest.ingest_builders import LOAD_NOW, canonical_call, write_canonical_parquet
from test_ingest_exactly_once import snapshot

from orchestration.ingest import CRASH_ENV_VAR, InjectedCrash, ingest_source, loader, readers
from orchestration.ingest.landing import LandingFile

CANONICAL = "traces/canonical"


@pytest.fixture
def groups(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The files of every group that committed as a group (not after a fallback to file by file)."""
    committed: list[list[str]] = []
    load_group = loader._load_group

    def recording(unit):  # a tuple of the loader's private _FileJob
        results = load_group(unit)
        committed.append([r.file_path for r in results])
        return results

    monkeypatch.setattr(loader, "_load_group", recording)
    return committed


def day_files(landing: Path) -> list[Path]:
    """Three files. b repeats a's call 1 unchanged and a's call 2 with other content, has a bad row and
    repeats its own call 11; c repeats a's call 3 with other content and b's call 12 unchanged."""
    a = [canonical_call(n) for n in range(1, 6)]
    b = [
        canonical_call(1),
        canonical_call(11),
        canonical_call(2, output_tokens=999),
        canonical_call(12, input_tokens=-5),  # negative tokens: quarantined, so c's call 12 is not a duplicate
        canonical_call(11, output_tokens=7),
        canonical_call(13),
    ]
    c = [canonical_call(3, model="gpt-4o-mini"), canonical_call(12), canonical_call(13), canonical_call(21)]
    return [
        write_canonical_parquet(landing / CANONICAL / f"{name}.parquet", rows)
        for name, rows in zip("abc", [a, b, c], strict=True)
    ]


def one_by_one(tmp_path: Path, files: list[Path]) -> duckdb.DuckDBPyConnection:
    """The reference: the files landed and loaded one per run, so every file loads alone."""
    landing = tmp_path / "one_by_one"
    (landing / CANONICAL).mkdir(parents=True)
    con = duckdb.connect(str(tmp_path / "one.duckdb"))
    for path in files:
        shutil.copy2(path, landing / CANONICAL / path.name)
        result = ingest_source(con, "canonical", landing, now=LOAD_NOW)
        assert result.files[-1].status in {"loaded", "rejected"}  # the file just landed was read
    return con


def key_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(f"select * from {loader.KEY_SCHEMA}.canonical_llm_calls order by all").fetchall()


def outcome(result: loader.SourceLoadResult) -> list[tuple]:
    """Each file's counts as the run reports them."""
    return [(f.file_path, f.rows_loaded["canonical_llm_calls"], f.quarantined, f.rows_skipped) for f in result.files]


def recorded_outcome(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Each file's counts as a warehouse records them (manifest, quarantine), in file order."""
    manifest = con.execute(
        "select file_path, rows_loaded, rows_skipped from raw.load_manifest order by file_path"
    ).fetchall()
    return [
        (
            path,
            loaded,
            dict(
                con.execute(
                    "select reason, count(*)::int from raw.quarantine where file_path = ? group by all order by all",
                    [path],
                ).fetchall()
            ),
            skipped,
        )
        for path, loaded, skipped in manifest
    ]


def test_a_group_loads_what_loading_its_files_one_at_a_time_loads(tmp_path: Path, groups: list[list[str]]) -> None:
    files = day_files(tmp_path / "landing")
    con = duckdb.connect(str(tmp_path / "grouped.duckdb"))
    result = ingest_source(con, "canonical", tmp_path / "landing", now=LOAD_NOW)
    assert groups == [[f"{CANONICAL}/{name}.parquet" for name in "abc"]]

    reference = one_by_one(tmp_path, files)
    assert snapshot(con) == snapshot(reference)  # raw tables, quarantine and manifest, without load times
    assert key_rows(con) == key_rows(reference)
    assert outcome(result) == recorded_outcome(reference)
    # The verdicts themselves: the earlier file of the group wins, and the detail names its row.
    assert con.execute(
        "select file_path, source_row, reason, detail from raw.quarantine order by file_path, source_row"
    ).fetchall() == [
        (
            f"{CANONICAL}/b.parquet",
            3,
            "duplicate_conflicting",
            f"call id call-00002 already loaded from {CANONICAL}/a.parquet:2 with different content",
        ),
        (f"{CANONICAL}/b.parquet", 4, "negative_tokens", "input_tokens = -5"),
        (
            f"{CANONICAL}/b.parquet",
            5,
            "duplicate_conflicting",
            "call id call-00011 first seen at row 2 of this file with different content",
        ),
        (
            f"{CANONICAL}/c.parquet",
            1,
            "duplicate_conflicting",
            f"call id call-00003 already loaded from {CANONICAL}/a.parquet:3 with different content",
        ),
    ]
    assert [(f.rows_skipped, f.quarantined) for f in result.files] == [
        (0, {}),
        (1, {"duplicate_conflicting": 2, "negative_tokens": 1}),
        (1, {"duplicate_conflicting": 1}),
    ]
    # Rows keep their file order and row order, as consecutive one-file inserts would write them.
    assert (
        con.execute("select _source_file, _source_row from raw.canonical_llm_calls order by rowid").fetchall()
        == reference.execute("select _source_file, _source_row from raw.canonical_llm_calls order by rowid").fetchall()
    )


def test_groups_are_bounded_and_each_still_sees_the_groups_before(
    tmp_path: Path, groups: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "GROUP_MAX_FILES", 2)
    files = day_files(tmp_path / "landing")
    # d repeats c's call 21 unchanged: a duplicate across groups, found through the key table.
    files.append(write_canonical_parquet(tmp_path / "landing" / CANONICAL / "d.parquet", [canonical_call(21)]))
    con = duckdb.connect(str(tmp_path / "grouped.duckdb"))
    result = ingest_source(con, "canonical", tmp_path / "landing", now=LOAD_NOW)
    assert groups == [
        [f"{CANONICAL}/a.parquet", f"{CANONICAL}/b.parquet"],
        [f"{CANONICAL}/c.parquet", f"{CANONICAL}/d.parquet"],
    ]

    reference = one_by_one(tmp_path, files)
    assert snapshot(con) == snapshot(reference)
    assert key_rows(con) == key_rows(reference)
    assert outcome(result) == recorded_outcome(reference)
    assert result.files[3].rows_skipped == 1


def test_a_group_that_fails_loads_its_files_one_by_one(
    tmp_path: Path, groups: list[list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    files = day_files(tmp_path / "landing")
    # b without its call_id column: the group cannot be read as one relation; alone, b is rejected.
    table = pq.read_table(files[1])
    pq.write_table(table.drop_columns(["call_id"]), files[1])
    con = duckdb.connect(str(tmp_path / "grouped.duckdb"))
    with caplog.at_level(logging.WARNING, logger=loader.__name__):
        result = ingest_source(con, "canonical", tmp_path / "landing", now=LOAD_NOW)
    assert groups == []
    assert "one by one" in caplog.text
    assert [f.status for f in result.files] == ["loaded", "rejected", "loaded"]
    assert result.files[1].reason == "missing_required_field"
    assert snapshot(con) == snapshot(one_by_one(tmp_path, files))
    assert con.execute("select count(*) from duckdb_tables() where temporary").fetchone()[0] == 0


def test_a_crash_inside_a_group_loses_the_whole_group_and_a_rerun_loads_it(
    tmp_path: Path, groups: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    files = day_files(tmp_path / "landing")
    con = duckdb.connect(str(tmp_path / "grouped.duckdb"))
    monkeypatch.setenv(CRASH_ENV_VAR, f"{CANONICAL}/b.parquet")
    with pytest.raises(InjectedCrash):
        ingest_source(con, "canonical", tmp_path / "landing", now=LOAD_NOW)
    # Nothing of the group committed, not even a, which comes before the crash.
    for table in ("raw.canonical_llm_calls", "raw.quarantine", "raw.load_manifest", "ingest_keys.canonical_llm_calls"):
        assert con.execute(f"select count(*) from {table}").fetchone()[0] == 0, table
    monkeypatch.delenv(CRASH_ENV_VAR)
    rerun = ingest_source(con, "canonical", tmp_path / "landing", now=LOAD_NOW)
    assert rerun.files_loaded == 3
    assert snapshot(con) == snapshot(one_by_one(tmp_path, files))


def test_the_group_batch_reads_each_file_in_order_with_its_own_row_numbers(tmp_path: Path) -> None:
    """Two Parquet row groups per file, read in parallel: `_file` and `_source_row` still follow the files."""
    paths = []
    for index, count in enumerate((5000, 3000, 7000)):
        rows = {"call_id": pa.array([f"{index}-{n}" for n in range(count)])}
        path = tmp_path / f"f{index}.parquet"
        pq.write_table(pa.table(rows), path, row_group_size=2048)
        paths.append(str(path))
    files = [LandingFile(p, Path(p), "parquet", 0, "") for p in paths]
    con = duckdb.connect()
    con.execute("set threads = 2")
    relation = readers.parquet_group_input(con, files, ())
    got = con.execute(f"select _file, _source_row, _src_call_id from ({relation.sql})").fetchall()
    assert got == [
        (index + 1, n + 1, f"{index}-{n}") for index, count in enumerate((5000, 3000, 7000)) for n in range(count)
    ]
