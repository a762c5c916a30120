"""Shared fixtures: a small generated sample, ingested into a throw-away DuckDB file and built with dbt.

The three session fixtures build on each other and run once per test session:

- ``sample_landing``: ``orchestration.generate.generate_workload`` into a temporary landing folder
  (4,000 calls over 61 days for 25 tenants, seed 11).
- ``ingested_warehouse``: ``orchestration.ingest.ingest_all`` of that folder into a temporary DuckDB
  file (the raw layer, rate card and model map included).
- ``built_warehouse``: a copy of the ingested file after ``dbt build`` (seeds, models, unit tests and
  data tests; every error-severity test must pass). Returns the path of the built DuckDB file.

``dbt`` runs as a subprocess of the venv's dbt with its own target and log folders, so tests never
touch the developer's warehouse or ``target/``. Missing generator or loaders are an error, not a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")

SAMPLE_CALLS = 4000
SAMPLE_DAYS = 61
SAMPLE_TENANTS = 25
SAMPLE_SEED = 11


@dataclass(frozen=True)
class DbtResult:
    args: tuple[str, ...]
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run_dbt(args: Sequence[str], *, warehouse: Path, work_dir: Path, check: bool = True) -> DbtResult:
    """Run ``dbt <args>`` against ``warehouse`` (profiles.yml reads AICOST_WAREHOUSE).

    Target and log folders live in ``work_dir``; a failure raises with the end of dbt's output."""
    work_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "AICOST_WAREHOUSE": str(warehouse),
        "AICOST_DBT_TARGET": "dev",
        "AICOST_DUCKDB_TEMP_DIR": str(work_dir / "duckdb_tmp"),
        "AICOST_DUCKDB_MEMORY_LIMIT": os.environ.get("AICOST_DUCKDB_MEMORY_LIMIT", "2GB"),
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    command = [
        str(DBT_EXECUTABLE),
        *args,
        "--project-dir",
        str(REPO_ROOT),
        "--profiles-dir",
        str(REPO_ROOT),
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
    ]
    completed = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    result = DbtResult(tuple(args), completed.returncode, completed.stdout + completed.stderr)
    if check and not result.ok:
        tail = "\n".join(result.output.splitlines()[-80:])
        raise AssertionError(f"dbt {' '.join(args)} failed (exit {result.returncode}):\n{tail}")
    return result


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
def ingested_warehouse(sample_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from orchestration.ingest import ingest_all
    from orchestration.settings import Settings

    warehouse = tmp_path_factory.mktemp("ingested") / "ai_costs.duckdb"
    ingest_all(Settings.from_env(warehouse=warehouse, landing_dir=sample_landing))
    if not warehouse.is_file():
        raise AssertionError(f"ingest_all did not create {warehouse}")
    return warehouse


@pytest.fixture(scope="session")
def built_warehouse(ingested_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the ingested warehouse after a full ``dbt build`` (every error-severity test passes)."""
    work_dir = tmp_path_factory.mktemp("built")
    warehouse = work_dir / "ai_costs.duckdb"
    shutil.copyfile(ingested_warehouse, warehouse)
    wal = ingested_warehouse.with_name(ingested_warehouse.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, warehouse.with_name(warehouse.name + ".wal"))
    run_dbt(["build", "--full-refresh"], warehouse=warehouse, work_dir=work_dir / "dbt")
    return warehouse
