"""The landing sensor: start the nightly job when files land that the warehouse has not loaded.

A landing file is already loaded when raw.load_manifest holds its path with the same size and content hash
(the loaders' own rule). Hashing every file on every tick would read the whole landing folder, so a file
is hashed only when its path and size match a manifest row and it was modified after that path was last
loaded; an untouched file costs one stat(). The run key is a hash of the pending files, so the same files
never request two runs while the first is queued.

The sensor reads the manifest through a read-only connection. While a run holds DuckDB's write lock it
cannot, and skips the tick with a message (the running job loads whatever is there). It also skips while a
run of the job is queued or in progress. Default stopped: `dagster dev` users turn it on in the UI.
"""

import hashlib
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from orchestration.ingest.landing import file_format, sha256_of
from orchestration.ingest.readers import SOURCE_DEFS
from orchestration.report.reader import WarehouseBusyError, connect_read_only
from orchestration.resources import WarehouseResource

LANDING_SENSOR_INTERVAL_SECONDS = int(os.environ.get("AICOST_LANDING_SENSOR_INTERVAL", "300"))
IN_PROGRESS_STATUSES = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
LISTED_FILES = 10


@dataclass(frozen=True)
class LoadedVersion:
    size_bytes: int
    content_sha256: str


@dataclass(frozen=True)
class PendingFile:
    rel_path: str
    size_bytes: int
    reason: str  # new | changed


def landing_candidates(landing_dir: Path) -> Iterable[tuple[str, Path]]:
    """(relative path, path) of every file the loaders would consider: the source folders' files with a
    readable extension, hidden files and folders skipped (as the loaders skip them)."""
    for source in SOURCE_DEFS.values():
        root = landing_dir / source.folder
        if not root.is_dir():
            continue
        for directory, subdirs, names in os.walk(root):
            subdirs[:] = [d for d in subdirs if not d.startswith(".")]
            for name in names:
                if name.startswith(".") or file_format(name) not in source.formats:
                    continue
                path = Path(directory) / name
                yield path.relative_to(landing_dir).as_posix(), path


def read_manifest(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, set[LoadedVersion]], dict[str, datetime]]:
    """Every (size, sha256) version the manifest holds per path, and when each path was last loaded."""
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'load_manifest'"
    ).fetchone()[0]
    versions: dict[str, set[LoadedVersion]] = defaultdict(set)
    last_loaded: dict[str, datetime] = {}
    if not exists:
        return versions, last_loaded
    rows = con.execute(
        "select file_path, size_bytes, content_sha256, max(loaded_at) from raw.load_manifest group by all"
    ).fetchall()
    for path, size, sha, loaded_at in rows:
        versions[path].add(LoadedVersion(size, sha))
        last_loaded[path] = max(loaded_at, last_loaded.get(path, loaded_at))
    return versions, last_loaded


def pending_files(
    landing_dir: Path, versions: dict[str, set[LoadedVersion]], last_loaded: dict[str, datetime]
) -> list[PendingFile]:
    pending = []
    landing_root = landing_dir.resolve()
    for rel_path, path in landing_candidates(landing_dir):
        if path.is_symlink() and landing_root not in path.resolve().parents:
            # The loaders reject a link leading outside the folder without reading it: known once recorded.
            if rel_path not in versions:
                pending.append(PendingFile(rel_path, 0, "new"))
            continue
        try:
            info = path.stat()
        except OSError:
            # A dangling link or a vanished file: the loader records it as rejected; a run will say so.
            if rel_path not in versions:
                pending.append(PendingFile(rel_path, 0, "new"))
            continue
        known = versions.get(rel_path)
        if not known:
            pending.append(PendingFile(rel_path, info.st_size, "new"))
            continue
        if all(version.size_bytes != info.st_size for version in known):
            pending.append(PendingFile(rel_path, info.st_size, "changed"))
            continue
        modified = datetime.fromtimestamp(info.st_mtime, UTC).replace(tzinfo=None)
        if modified <= last_loaded[rel_path]:
            continue  # same size and untouched since it was loaded
        if LoadedVersion(info.st_size, sha256_of(path)) not in known:
            pending.append(PendingFile(rel_path, info.st_size, "changed"))
    return sorted(pending, key=lambda file: file.rel_path)


def _run_key(pending: list[PendingFile]) -> str:
    identity = "\n".join(f"{file.rel_path}\t{file.size_bytes}" for file in pending)
    return "landing-" + hashlib.sha256(identity.encode()).hexdigest()[:24]


def build_landing_sensor(job: UnresolvedAssetJobDefinition) -> dg.SensorDefinition:
    @dg.sensor(
        name="landing_sensor",
        job=job,
        minimum_interval_seconds=LANDING_SENSOR_INTERVAL_SECONDS,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=(
            "Requests a nightly run when the landing folder holds files that raw.load_manifest has not loaded "
            "(new path, or changed size or content). Skips while a run is in progress or holds the warehouse."
        ),
    )
    def landing_sensor(
        context: dg.SensorEvaluationContext, warehouse: WarehouseResource
    ) -> dg.RunRequest | dg.SkipReason:
        in_progress = context.instance.get_run_records(
            dg.RunsFilter(job_name=job.name, statuses=IN_PROGRESS_STATUSES), limit=1
        )
        if in_progress:
            return dg.SkipReason(f"run {in_progress[0].dagster_run.run_id} of '{job.name}' is queued or running")
        settings = warehouse.settings()
        if not settings.landing_dir.is_dir():
            return dg.SkipReason(f"landing folder {settings.landing_dir} does not exist")
        if settings.warehouse.exists():
            try:
                with connect_read_only(settings) as con:
                    versions, last_loaded = read_manifest(con)
            except WarehouseBusyError as error:
                return dg.SkipReason(f"{error}; looking again at the next tick")
        else:
            versions, last_loaded = {}, {}
        pending = pending_files(settings.landing_dir, versions, last_loaded)
        if not pending:
            return dg.SkipReason(f"no new landing files in {settings.landing_dir}")
        listed = ", ".join(f"{file.rel_path} ({file.reason})" for file in pending[:LISTED_FILES])
        more = f" and {len(pending) - LISTED_FILES} more" if len(pending) > LISTED_FILES else ""
        context.log.info(f"{len(pending)} landing file(s) to load: {listed}{more}")
        return dg.RunRequest(
            run_key=_run_key(pending),
            tags={"aicost/trigger": "landing_sensor", "aicost/pending_files": str(len(pending))},
        )

    return landing_sensor
