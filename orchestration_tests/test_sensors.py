"""The landing sensor against a real ingested warehouse: no run for files already loaded (copied, touched or
not), a run for a new or changed file, and a skip while a writer holds the warehouse or a run is going."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.definitions import NIGHTLY_JOB_NAME, defs
from orchestration.resources import WarehouseResource
from orchestration.sensors import landing_candidates, pending_files, read_manifest

landing_sensor = defs.resolve_sensor_def("landing_sensor")


@pytest.fixture
def landing(sample_landing: Path, tmp_path: Path) -> Path:
    """A private copy of the ingested sample (the session fixture must stay untouched)."""
    copy = tmp_path / "landing"
    shutil.copytree(sample_landing, copy)
    return copy


@pytest.fixture
def warehouse(ingested_warehouse: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "w.duckdb"
    shutil.copyfile(ingested_warehouse, copy)
    return copy


def _evaluate(landing: Path, warehouse: Path, instance: dg.DagsterInstance | None = None):
    context = dg.build_sensor_context(
        instance=instance or dg.DagsterInstance.ephemeral(),
        resources={"warehouse": WarehouseResource(warehouse_path=str(warehouse), landing_dir=str(landing))},
    )
    return landing_sensor(context)


def _loaded_paths(warehouse: Path) -> set[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {row[0] for row in con.execute("select file_path from raw.load_manifest").fetchall()}


def test_no_run_for_files_already_loaded(landing: Path, warehouse: Path) -> None:
    candidates = {rel for rel, _ in landing_candidates(landing)}
    assert candidates and candidates <= _loaded_paths(warehouse)
    result = _evaluate(landing, warehouse)
    assert isinstance(result, dg.SkipReason)
    assert "no new landing files" in result.skip_message


def test_touched_but_unchanged_files_are_hashed_and_still_known(landing: Path, warehouse: Path) -> None:
    future = time.time() + 3600  # modified after it was loaded: the sensor must compare the content hash
    for _, path in list(landing_candidates(landing))[:5]:
        os.utime(path, (future, future))
    assert isinstance(_evaluate(landing, warehouse), dg.SkipReason)


def test_a_new_file_requests_one_run(landing: Path, warehouse: Path) -> None:
    existing = next(path for rel, path in landing_candidates(landing) if rel.startswith("traces/canonical/"))
    new_file = existing.with_name("late-arrival.parquet")
    shutil.copyfile(existing, new_file)
    result = _evaluate(landing, warehouse)
    assert isinstance(result, dg.RunRequest)
    assert result.tags["aicost/trigger"] == "landing_sensor"
    assert result.tags["aicost/pending_files"] == "1"
    # The same pending file gives the same run key: Dagster will not start a second run for it.
    again = _evaluate(landing, warehouse)
    assert isinstance(again, dg.RunRequest) and again.run_key == result.run_key
    with duckdb.connect(str(warehouse), read_only=True) as con:
        versions, last_loaded = read_manifest(con)
    pending = pending_files(landing, versions, last_loaded)
    assert [(p.rel_path, p.reason) for p in pending] == [(new_file.relative_to(landing).as_posix(), "new")]


def test_a_file_changed_in_place_requests_a_run(landing: Path, warehouse: Path) -> None:
    rel_path, path = next((rel, p) for rel, p in landing_candidates(landing) if rel.startswith("product/mau/"))
    content = path.read_bytes()
    # Same size, different content: only the hash can tell.
    changed = content[:-2] + (b"9\n" if content[-2:-1] != b"9" else b"8\n")
    assert len(changed) == len(content) and changed != content
    path.write_bytes(changed)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        versions, last_loaded = read_manifest(con)
    assert [(p.rel_path, p.reason) for p in pending_files(landing, versions, last_loaded)] == [(rel_path, "changed")]
    assert isinstance(_evaluate(landing, warehouse), dg.RunRequest)


def test_everything_is_new_without_a_warehouse(landing: Path, tmp_path: Path) -> None:
    result = _evaluate(landing, tmp_path / "absent.duckdb")
    assert isinstance(result, dg.RunRequest)
    assert int(result.tags["aicost/pending_files"]) == len(list(landing_candidates(landing)))


@pytest.fixture
def locked(warehouse: Path) -> Iterator[Path]:
    """Another process holds the warehouse's write lock, as a running job does."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('locked', flush=True); time.sleep(60)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield warehouse
    finally:
        holder.kill()
        holder.wait()


def test_a_locked_warehouse_skips_with_a_message(landing: Path, locked: Path) -> None:
    (landing / "traces/canonical/new.csv").write_text("call_id\n")
    result = _evaluate(landing, locked)
    assert isinstance(result, dg.SkipReason)
    assert "being written by another process" in result.skip_message


def test_no_second_run_while_one_is_in_progress(landing: Path, warehouse: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    running = instance.add_run(dg.DagsterRun(job_name=NIGHTLY_JOB_NAME, status=dg.DagsterRunStatus.STARTED))
    (landing / "traces/canonical/new.csv").write_text("call_id\n")
    result = _evaluate(landing, warehouse, instance)
    assert isinstance(result, dg.SkipReason)
    assert running.run_id in result.skip_message
