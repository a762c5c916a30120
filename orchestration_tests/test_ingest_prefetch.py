"""The next file's batch is built while the current file writes (loader._BatchPrefetch): a load of many files
at once must give what loading them one at a time gives, above all the duplicate verdicts against the file
just before, and a file whose background build fails is rejected without stopping the others."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
from fixtures.ingest.ingest_builders import LOAD_NOW, canonical_call, write, write_canonical_parquet
from test_ingest_exactly_once import snapshot

from orchestration.ingest import ingest_source

DAYS = 6


def chained_days(landing: Path) -> list[Path]:
    """Day d: calls 10d..10d+4, plus call 10(d-1) again unchanged and call 10(d-1)+1 with other content."""
    paths = []
    for day in range(DAYS):
        rows = [canonical_call(10 * day + n) for n in range(5)]
        if day:
            rows += [canonical_call(10 * (day - 1)), canonical_call(10 * (day - 1) + 1, output_tokens=999)]
        paths.append(write_canonical_parquet(landing / f"traces/canonical/day{day}.parquet", rows))
    return paths


def test_a_load_of_many_files_equals_loading_them_one_at_a_time(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    chained_days(landing)
    con = duckdb.connect(str(tmp_path / "all.duckdb"))
    result = ingest_source(con, "canonical", landing, now=LOAD_NOW)
    assert [f.status for f in result.files] == ["loaded"] * DAYS
    assert [f.rows_loaded["canonical_llm_calls"] for f in result.files] == [5] * DAYS
    assert [f.rows_skipped for f in result.files] == [0] + [1] * (DAYS - 1)
    assert [f.quarantined for f in result.files] == [{}] + [{"duplicate_conflicting": 1}] * (DAYS - 1)
    details = con.execute(
        "select file_path, detail from raw.quarantine where reason = 'duplicate_conflicting' order by file_path"
    ).fetchall()
    assert details == [
        (
            f"traces/canonical/day{day}.parquet",
            f"call id call-{10 * (day - 1) + 1:05d} already loaded from traces/canonical/day{day - 1}.parquet:2 "
            "with different content",
        )
        for day in range(1, DAYS)
    ]

    # The reference: the same files landed and loaded one per run, so no batch is ever built ahead.
    one_by_one = tmp_path / "one_by_one" / "traces/canonical"
    one_by_one.mkdir(parents=True)
    reference = duckdb.connect(str(tmp_path / "one.duckdb"))
    for path in sorted((landing / "traces/canonical").iterdir()):
        shutil.copy2(path, one_by_one / path.name)
        assert ingest_source(reference, "canonical", one_by_one.parent.parent, now=LOAD_NOW).files_loaded == 1
    assert snapshot(con) == snapshot(reference)


def test_a_file_whose_background_build_fails_is_rejected_and_the_others_load(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    chained_days(landing)
    write(landing / "traces/canonical/day3.parquet", b"not parquet at all")  # built ahead, during day 2's write
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    result = ingest_source(con, "canonical", landing, now=LOAD_NOW)
    assert [f.status for f in result.files] == ["loaded"] * 3 + ["rejected"] + ["loaded"] * (DAYS - 4)
    assert result.files[3].reason == "unreadable_file"
    # Day 4 repeats day 3's ids, which never loaded: its rows all load, nothing is a duplicate.
    assert result.files[4].rows_loaded == {"canonical_llm_calls": 7}
    assert result.files[4].rows_skipped == 0 and result.files[4].quarantined == {}
    loaded = con.execute("select count(*) from raw.canonical_llm_calls").fetchone()[0]
    assert loaded == sum(sum(f.rows_loaded.values()) for f in result.files) == 5 + 5 + 5 + 7 + 5
    leftovers = con.execute("select count(*) from duckdb_tables() where temporary").fetchone()[0]
    assert leftovers == 0
