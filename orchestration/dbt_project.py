"""The dbt project as Dagster sees it. The manifest is (re)built with `dbt parse` whenever it is missing
or older than any model, macro, seed, test or project file, so `aicost run`, tests and `dagster dev`
never load a stale graph."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.settings import REPO_ROOT

_PROJECT_INPUTS = ("models", "macros", "seeds", "tests", "snapshots", "analyses")
_PROJECT_FILES = ("dbt_project.yml", "profiles.yml")


def _newest_input_mtime(project_dir: Path) -> float:
    newest = max((project_dir / name).stat().st_mtime for name in _PROJECT_FILES)
    for folder in _PROJECT_INPUTS:
        root = project_dir / folder
        if root.is_dir():
            for path in root.rglob("*"):
                if path.is_file():
                    newest = max(newest, path.stat().st_mtime)
    return newest


def manifest_is_stale(project: DbtProject) -> bool:
    manifest = project.manifest_path
    return not manifest.exists() or manifest.stat().st_mtime < _newest_input_mtime(project.project_dir)


ai_costs_project = DbtProject(
    project_dir=REPO_ROOT,
    profiles_dir=REPO_ROOT,
    target=os.environ.get("AICOST_DBT_TARGET", "dev"),
)

# dagster-dbt runs `dbt` as a subprocess; make the one installed beside this interpreter findable even
# when the virtualenv is not activated (e.g. `.venv/bin/aicost run`).
if shutil.which("dbt") is None:
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
if manifest_is_stale(ai_costs_project):
    ai_costs_project.preparer.prepare(ai_costs_project)
