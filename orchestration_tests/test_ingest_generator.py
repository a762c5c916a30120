"""The generated sample (conftest's sample_landing, ingested by ingest_all): the quarantine holds exactly
the bad records the generator says it injected, at their file and line/row, with their reasons; every
generated call loads once; every landing file is in the manifest with the generator's sha256."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.generate import MANIFEST_NAME

pytestmark = pytest.mark.slow  # the shared generated sample takes a while to ingest (230 files)


@pytest.fixture(scope="module")
def generated(sample_landing: Path, ingested_warehouse: Path) -> tuple[dict, duckdb.DuckDBPyConnection]:
    manifest = json.loads((sample_landing / MANIFEST_NAME).read_text())
    con = duckdb.connect(str(ingested_warehouse), read_only=True)
    yield manifest, con
    con.close()


def test_quarantine_holds_exactly_the_injected_bad_records(generated) -> None:
    manifest, con = generated
    expected = {(r["file"], r["source_row"], r["reason"]) for r in manifest["bad_records"]}
    truncated = manifest.get("truncated_gzip")
    if truncated:
        # Documented choice: a cut gzip's complete lines load; the cut line is quarantined.
        expected.add((truncated["file"], truncated["complete_lines_before_cut"] + 1, "truncated_gzip"))
    quarantined = set(con.execute("select file_path, source_row, reason from raw.quarantine").fetchall())
    assert quarantined == expected


def test_every_generated_call_loads_once(generated) -> None:
    manifest, con = generated
    tables = {"otlp": ("otlp_llm_spans", "span_id"), "litellm": ("litellm_spend_logs", "request_id"),
              "canonical": ("canonical_llm_calls", "call_id")}  # fmt: skip
    for source, (table, key) in tables.items():
        rows, distinct = con.execute(f"select count(*), count(distinct {key}) from raw.{table}").fetchone()
        assert rows == distinct == manifest["sources"][source]["calls"], source


def test_identical_duplicates_are_skipped_not_loaded(generated) -> None:
    manifest, con = generated
    for source in ("litellm", "canonical"):
        injected = sum(1 for r in manifest["identical_duplicates"] if r["source"] == source)
        skipped = con.execute("select sum(rows_skipped) from raw.load_manifest where source = ?", [source]).fetchone()[
            0
        ]
        assert skipped == injected, source


def test_every_landing_file_is_in_the_manifest_with_its_hash(generated) -> None:
    manifest, con = generated
    loaded = dict(
        con.execute("select file_path, content_sha256 from raw.load_manifest where status = 'loaded'").fetchall()
    )
    for entry in manifest["files"]:
        assert loaded.get(entry["path"]) == entry["sha256"], entry["path"]
    focus = [f for f in manifest["files"] if f["kind"] == "focus"]
    rows, skipped = con.execute(
        "select sum(rows_loaded), sum(rows_skipped) from raw.load_manifest where source = 'focus'"
    ).fetchone()
    assert (rows, skipped) == (sum(f["ai_rows"] for f in focus), sum(f["non_ai_rows"] for f in focus))
