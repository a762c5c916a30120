"""One way to open the DuckDB warehouse, with the configured memory limit, threads and spill folder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from orchestration.settings import Settings


@contextmanager
def connect(settings: Settings | None = None, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    settings = settings or Settings.from_env()
    if not read_only:
        settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
        settings.duckdb_temp_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        str(settings.warehouse),
        read_only=read_only,
        config={
            "memory_limit": settings.duckdb_memory_limit,
            "threads": settings.duckdb_threads,
            "temp_directory": str(settings.duckdb_temp_dir),
        },
    )
    try:
        yield con
    finally:
        con.close()
