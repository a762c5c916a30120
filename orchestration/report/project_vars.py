"""The `vars:` of dbt_project.yml, for the Python side (checks, report) to use the thresholds the models use."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from orchestration.settings import REPO_ROOT


@cache
def dbt_project_vars() -> dict[str, Any]:
    with (REPO_ROOT / "dbt_project.yml").open(encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle).get("vars") or {})
