"""Shared fixtures: a small generated sample, ingested into a throw-away DuckDB file and built with dbt.

The session fixtures build on each other and run once per test session:

- ``sample_landing``: ``orchestration.generate.generate_workload`` into a temporary landing folder
  (4,000 calls over 61 days for 25 tenants, seed 11).
- ``base_ingested_warehouse``: ``orchestration.ingest.ingest_all`` of that folder without its last day
  of trace files into a temporary DuckDB file (the raw layer, rate card and model map included): the
  night before the last day (test_incremental_trees).
- ``ingested_warehouse``: a copy of it after ``ingest_all`` of the whole folder, which loads only the
  last day's trace files (the loader is exactly-once, test_ingest_exactly_once): the whole sample
  ingested, without ingesting it twice.
- ``built_warehouse``: a copy of the ingested file after ``dbt build`` (seeds, models, unit tests and
  data tests; every error-severity test must pass). Returns the path of the built DuckDB file.

``dbt`` runs as a subprocess of the venv's dbt with its own target and log folders, so tests never
touch the developer's warehouse or ``target/``. Missing generator or loaders are an error, not a skip.
Test warehouses are named ``ai_costs.duckdb`` (each in its own folder) so that dbt runs share one parse
(``run_dbt``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")

SAMPLE_CALLS = 4000
SAMPLE_DAYS = 61
SAMPLE_TENANTS = 25
SAMPLE_SEED = 11
WAREHOUSE_NAME = "ai_costs.duckdb"
TRACE_DAY_IN_PATH = re.compile(r"(\d{4})[/-](\d{2})[/-](\d{2})")
# "parse_cache": set for the session by the parse_cache fixture (dbt runs outside a session parse from scratch).
_SESSION_DIRS: dict[str, Path] = {}


@dataclass(frozen=True)
class DbtResult:
    args: tuple[str, ...]
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _partial_parse_cache(warehouse: Path, args: Sequence[str]) -> Path | None:
    """Where the parse of dbt runs with this warehouse name and these ``--vars`` is kept between runs."""
    if "parse_cache" not in _SESSION_DIRS:
        return None
    dbt_vars = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--vars"]
    key = hashlib.sha256(json.dumps([warehouse.name, dbt_vars]).encode()).hexdigest()[:16]
    return _SESSION_DIRS["parse_cache"] / f"partial_parse-{key}.msgpack"


def run_dbt(args: Sequence[str], *, warehouse: Path, work_dir: Path, check: bool = True) -> DbtResult:
    """Run ``dbt <args>`` against ``warehouse`` (profiles.yml reads AICOST_WAREHOUSE).

    Target and log folders live in ``work_dir``; a failure raises with the end of dbt's output.

    dbt runs in the warehouse's folder with the path relative to it: partial parsing hashes the
    connection settings, which are then the same for every test warehouse of the same name, so a run
    starts from the saved parse of the last run with the same ``--vars`` instead of parsing the whole
    project (dbt still re-parses every file that changed since)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "AICOST_WAREHOUSE": warehouse.name,
        "AICOST_DBT_TARGET": "dev",
        "AICOST_DUCKDB_TEMP_DIR": "duckdb_tmp",
        "AICOST_DUCKDB_MEMORY_LIMIT": os.environ.get("AICOST_DUCKDB_MEMORY_LIMIT", "2GB"),
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    target = work_dir / "target"
    saved_parse = _partial_parse_cache(warehouse, args)
    if saved_parse and saved_parse.is_file() and not (target / "partial_parse.msgpack").exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(saved_parse, target / "partial_parse.msgpack")
    command = [
        str(DBT_EXECUTABLE),
        *args,
        "--project-dir",
        str(REPO_ROOT),
        "--profiles-dir",
        str(REPO_ROOT),
        "--target-path",
        str(target),
        "--log-path",
        str(work_dir / "logs"),
    ]
    completed = subprocess.run(command, cwd=warehouse.parent, env=env, capture_output=True, text=True, check=False)
    if saved_parse and (target / "partial_parse.msgpack").is_file():
        shutil.copyfile(target / "partial_parse.msgpack", saved_parse)
    result = DbtResult(tuple(args), completed.returncode, completed.stdout + completed.stderr)
    if check and not result.ok:
        tail = "\n".join(result.output.splitlines()[-80:])
        raise AssertionError(f"dbt {' '.join(args)} failed (exit {result.returncode}):\n{tail}")
    return result


def copy_warehouse(source: Path, folder: Path) -> Path:
    """A copy of the DuckDB file ``source`` (and its WAL, if any) as ``folder/ai_costs.duckdb``."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / WAREHOUSE_NAME
    shutil.copyfile(source, copy)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
    return copy


def table_differences(incremental: Path, full: Path, tables: dict[str, str]) -> dict[str, tuple[int, int, int]]:
    """Per table (name -> schema) of two warehouses: (rows in ``incremental``, rows only there, rows only
    in ``full``), the two differences as multisets (EXCEPT ALL)."""
    found = {}
    with duckdb.connect() as con:
        con.execute(f"attach '{incremental}' as inc (read_only)")
        con.execute(f"attach '{full}' as ful (read_only)")
        for table, schema in tables.items():
            inc, ful = f"inc.{schema}.{table}", f"ful.{schema}.{table}"
            found[table] = tuple(
                con.execute(f"select count(*) from ({sql})").fetchone()[0]
                for sql in (
                    f"select * from {inc}",
                    f"select * from {inc} except all select * from {ful}",
                    f"select * from {ful} except all select * from {inc}",
                )
            )
    return found


def split_last_trace_day(landing: Path) -> tuple[list[Path], list[Path]]:
    """(every other file, the trace files of the last day), relative to ``landing``."""
    files = sorted(p.relative_to(landing) for p in landing.rglob("*") if p.is_file())

    def trace_day(path: Path) -> date | None:
        match = TRACE_DAY_IN_PATH.search(str(path)) if path.parts[0] == "traces" else None
        return date(*map(int, match.groups())) if match else None

    last_day = max(day for day in map(trace_day, files) if day)
    new_day = [p for p in files if trace_day(p) == last_day]
    return [p for p in files if p not in new_day], new_day


def ingest_landing(warehouse: Path, landing: Path) -> None:
    """``ingest_all`` of ``landing`` into ``warehouse`` (created if absent)."""
    from orchestration.ingest import ingest_all
    from orchestration.settings import Settings

    ingest_all(Settings.from_env(warehouse=warehouse, landing_dir=landing))
    if not warehouse.is_file():
        raise AssertionError(f"ingest_all did not create {warehouse}")


@pytest.fixture(scope="session", autouse=True)
def parse_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's saved dbt parses (``run_dbt``)."""
    _SESSION_DIRS["parse_cache"] = tmp_path_factory.mktemp("dbt_parse")
    return _SESSION_DIRS["parse_cache"]


@pytest.fixture(scope="session")
def dbt() -> Callable[..., DbtResult]:
    """``dbt(args, warehouse=..., work_dir=..., check=True)``: run dbt against a test warehouse."""
    return run_dbt


@pytest.fixture(scope="session")
def sample_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from orchestration.generate import generate_workload

    landing = tmp_path_factory.mktemp("landing")
    generate_workload(landing, calls=SAMPLE_CALLS, days=SAMPLE_DAYS, tenants=SAMPLE_TENANTS, seed=SAMPLE_SEED)
    if not any(path.is_file() for path in landing.rglob("*")):
        raise AssertionError(f"generate_workload wrote no files into {landing}")
    return landing


@pytest.fixture(scope="session")
def base_ingested_warehouse(sample_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample without its last day of trace files (OTLP, LiteLLM and canonical), ingested."""
    base, new_day = split_last_trace_day(sample_landing)
    if not any(p.parts[:2] == ("traces", "otlp") for p in new_day):
        raise AssertionError(f"the last trace day has no OTLP file: {new_day}")
    landing = tmp_path_factory.mktemp("base_landing")
    for relative in base:
        (landing / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(sample_landing / relative, landing / relative)
    warehouse = tmp_path_factory.mktemp("base_ingested") / WAREHOUSE_NAME
    ingest_landing(warehouse, landing)
    return warehouse


@pytest.fixture(scope="session")
def ingested_warehouse(
    sample_landing: Path, base_ingested_warehouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The whole sample ingested: the base warehouse after ``ingest_all`` of the whole landing folder."""
    warehouse = copy_warehouse(base_ingested_warehouse, tmp_path_factory.mktemp("ingested"))
    ingest_landing(warehouse, sample_landing)
    return warehouse


@pytest.fixture(scope="session")
def built_warehouse(ingested_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the ingested warehouse after a full ``dbt build`` (every error-severity test passes)."""
    work_dir = tmp_path_factory.mktemp("built")
    warehouse = copy_warehouse(ingested_warehouse, work_dir)
    run_dbt(["build", "--full-refresh"], warehouse=warehouse, work_dir=work_dir / "dbt")
    return warehouse
