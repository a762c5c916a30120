"""Where things live. Every path can be overridden by an environment variable so that the CLI, Dagster
and dbt (which reads the same variables in profiles.yml) always agree on one warehouse and one landing
folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent
CONFIG_DIR = PACKAGE_DIR / "config"
DATA_DIR = PACKAGE_DIR / "data"

DEFAULT_WAREHOUSE = REPO_ROOT / "warehouse" / "ai_costs.duckdb"
DEFAULT_LANDING = REPO_ROOT / "data" / "landing"
DEFAULT_REPORT = REPO_ROOT / "reports" / "ai_cost_report.html"


def _path_from_env(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    warehouse: Path
    landing_dir: Path
    report_path: Path
    export_dir: Path
    lake_dir: Path
    duckdb_memory_limit: str
    duckdb_threads: int
    duckdb_temp_dir: Path

    @classmethod
    def from_env(cls, *, warehouse: Path | str | None = None, landing_dir: Path | str | None = None) -> Settings:
        """Settings from the environment; explicit arguments (CLI flags, resource config) win."""
        warehouse = (
            Path(warehouse).expanduser().resolve()
            if warehouse
            else _path_from_env("AICOST_WAREHOUSE", DEFAULT_WAREHOUSE)
        )
        return cls(
            warehouse=warehouse,
            landing_dir=(
                Path(landing_dir).expanduser().resolve()
                if landing_dir
                else _path_from_env("AICOST_LANDING_DIR", DEFAULT_LANDING)
            ),
            report_path=_path_from_env("AICOST_REPORT", DEFAULT_REPORT),
            export_dir=_path_from_env("AICOST_EXPORT_DIR", warehouse.parent / "export"),
            lake_dir=_path_from_env("AICOST_LAKE_DIR", warehouse.parent / "lake"),
            duckdb_memory_limit=os.environ.get("AICOST_DUCKDB_MEMORY_LIMIT", "4GB"),
            duckdb_threads=int(os.environ.get("AICOST_DUCKDB_THREADS", str(os.cpu_count() or 2))),
            duckdb_temp_dir=_path_from_env("AICOST_DUCKDB_TEMP_DIR", warehouse.parent / ".duckdb_tmp"),
        )

    def export_to_environ(self) -> None:
        """Publish the resolved paths so dbt subprocesses (profiles.yml) see the same warehouse."""
        os.environ["AICOST_WAREHOUSE"] = str(self.warehouse)
        os.environ["AICOST_LANDING_DIR"] = str(self.landing_dir)
        os.environ["AICOST_DUCKDB_MEMORY_LIMIT"] = self.duckdb_memory_limit
        os.environ["AICOST_DUCKDB_THREADS"] = str(self.duckdb_threads)
        os.environ["AICOST_DUCKDB_TEMP_DIR"] = str(self.duckdb_temp_dir)
        os.environ.setdefault("DO_NOT_TRACK", "1")
        os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
