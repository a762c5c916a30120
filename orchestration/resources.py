"""Dagster resources. The warehouse resource is the single way assets reach DuckDB and the landing
folder; its defaults come from the environment (orchestration.settings), so `aicost run`, the nightly
schedule and `dagster dev` all see the same files."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from orchestration import warehouse
from orchestration.settings import Settings


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file and the landing folder it is loaded from.

    Empty strings mean "from the environment" (AICOST_WAREHOUSE, AICOST_LANDING_DIR, defaults in
    orchestration.settings)."""

    warehouse_path: str = ""
    landing_dir: str = ""

    def settings(self) -> Settings:
        return Settings.from_env(warehouse=self.warehouse_path or None, landing_dir=self.landing_dir or None)

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with warehouse.connect(self.settings(), read_only=read_only) as con:
            yield con
