"""Read-only access to the warehouse for the readers that run beside the nightly job (the report, the
export, the landing sensor). DuckDB lets one process write a file; while it does, nobody else can open it,
not even read-only. A reader may wait a little for the lock, then says clearly why it cannot read."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import duckdb

from orchestration import warehouse
from orchestration.settings import Settings

LOCK_POLL_SECONDS = 1.0


class WarehouseBusyError(RuntimeError):
    """Another process (a running job, a dbt build) holds the warehouse's write lock."""


def _is_lock_conflict(error: duckdb.Error) -> bool:
    return "lock" in str(error).lower()


@contextmanager
def connect_read_only(settings: Settings, *, wait_seconds: float = 0.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection; retries for up to wait_seconds while a writer holds the lock, then raises
    WarehouseBusyError. Keep the connection short: a reader's shared lock also keeps the next writer out."""
    if not settings.warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {settings.warehouse} (run `aicost run` first)")
    deadline = time.monotonic() + wait_seconds
    with ExitStack() as stack:
        while True:
            try:
                con = stack.enter_context(warehouse.connect(settings, read_only=True))
                break
            except duckdb.IOException as error:
                if not _is_lock_conflict(error):
                    raise
                if time.monotonic() >= deadline:
                    raise WarehouseBusyError(
                        f"the warehouse {settings.warehouse} is being written by another process (a running job?)"
                    ) from error
                time.sleep(LOCK_POLL_SECONDS)
        yield con
