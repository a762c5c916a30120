"""Loading landing files exactly once: the manifest, one transaction per file, duplicates, the quarantine.

The rule (docs/INGESTION.md): a file is identified by its path relative to the landing folder, its content
by sha256 and size. A file whose (path, sha256, size) is already in raw.load_manifest is not read again.
New content at a known path replaces that path's earlier rows and quarantine entries, and the earlier
manifest entries become 'replaced'. Each file loads in one transaction: its rows, its quarantine rows and
its manifest entry commit together or not at all. New Parquet files of a source that replace nothing load
in groups (a backfill's day files), one transaction per group: see _ingest_group.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TypeVar

import duckdb

from orchestration.ingest.config import IngestConfig, load_config
from orchestration.ingest.landing import LandingFile, discover
from orchestration.ingest.readers import (
    BATCH,
    DATA_ERRORS,
    REDACT,
    SOURCE_DEFS,
    FileRejectedError,
    ReadContext,
    SourceDef,
    Target,
    classify_error,
    drop_temp,
    install_macros,
)
from orchestration.ingest.salvage import Salvage, in_memory, salvage_truncated_gzip
from orchestration.ingest.sql import ident, lit, lit_list, sanitize_error

SCHEMA_SQL = Path(__file__).with_name("raw_schema.sql")
SOURCES: tuple[str, ...] = tuple(SOURCE_DEFS)
CRASH_ENV_VAR = "AICOST_INGEST_CRASH_AFTER_INSERT"
# The loader's own bookkeeping, outside the raw schema: not part of the raw contract, not a dbt source, not
# published to the lake. One key table per deduplicated raw table (see _ensure_key_table).
KEY_SCHEMA = "ingest_keys"
KEY_REGISTRY = f"{KEY_SCHEMA}.key_tables"
# DuckDB's hash() is not promised to be stable across versions: a key table records the hash of this text
# when it was built, and is rebuilt from its raw table when the running DuckDB hashes it differently.
HASH_PROBE = "aicost call key probe"
_T = TypeVar("_T")
_log = logging.getLogger(__name__)
# A group (_ingest_group): new Parquet files of one source loaded in one transaction. Bounded so that its
# batch (held in memory beside the next group's, built ahead) stays small: at 10M calls (day files of
# 10-22 MB) peak RSS 2.86 GB with a 3 GB DuckDB memory limit (docs/INGESTION.md, Speed).
GROUP_MAX_FILES = 8
GROUP_MAX_BYTES = 128 * 2**20  # landing bytes


class InjectedCrash(RuntimeError):  # noqa: N818 - it is a simulated crash, not an error in the data
    """Raised by the test hook between a raw insert and the commit, to prove nothing partial remains."""


@dataclass(frozen=True)
class RejectedFile:
    source: str
    file_path: str
    reason: str
    error: str


@dataclass
class FileResult:
    file_path: str
    status: str  # loaded | replaced | unchanged | rejected
    rows_loaded: dict[str, int] = field(default_factory=dict)  # raw table -> rows
    quarantined: dict[str, int] = field(default_factory=dict)  # reason -> rows (file-level rejections count 1)
    rows_skipped: int = 0
    error: str | None = None
    reason: str | None = None


@dataclass
class SourceLoadResult:
    source: str
    files: list[FileResult] = field(default_factory=list)
    files_ignored: list[str] = field(default_factory=list)  # unsupported extensions in the source folder
    loaded_at: datetime | None = None

    def _count(self, *statuses: str) -> int:
        return sum(1 for f in self.files if f.status in statuses)

    @property
    def files_seen(self) -> int:
        return len(self.files)

    @property
    def files_loaded(self) -> int:
        """Files whose content was read and loaded in this run (new paths and replacements)."""
        return self._count("loaded", "replaced")

    @property
    def files_unchanged(self) -> int:
        return self._count("unchanged")

    @property
    def files_replaced(self) -> int:
        return self._count("replaced")

    @property
    def files_rejected(self) -> int:
        return self._count("rejected")

    @property
    def rows_loaded_by_table(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for result in self.files:
            totals.update(result.rows_loaded)
        return dict(totals)

    @property
    def rows_loaded(self) -> int:
        return sum(self.rows_loaded_by_table.values())

    @property
    def quarantined_by_reason(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for result in self.files:
            totals.update(result.quarantined)
        return dict(sorted(totals.items()))

    @property
    def rows_quarantined(self) -> int:
        return sum(self.quarantined_by_reason.values())

    @property
    def rows_skipped(self) -> int:
        return sum(f.rows_skipped for f in self.files)

    @property
    def rejected_files(self) -> list[RejectedFile]:
        return [
            RejectedFile(self.source, f.file_path, f.reason or "unreadable_file", f.error or "")
            for f in self.files
            if f.status == "rejected"
        ]


@dataclass(frozen=True)
class _Prior:
    status: str
    sha256: str
    size_bytes: int
    error: str | None


# ---------------------------------------------------------------------------------------------- schema


@cache
def _contract_columns(schema_sql: str) -> tuple[tuple[str, str, str], ...]:
    """(table, column, type) of every raw table, as the contract declares them (read once per process)."""
    scratch = duckdb.connect()
    try:
        scratch.execute(schema_sql)
        return tuple(
            scratch.execute(
                "select table_name, column_name, data_type from information_schema.columns "
                "where table_schema = 'raw' order by table_name, ordinal_position"
            ).fetchall()
        )
    finally:
        scratch.close()


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every raw table (absent sources get empty tables) and add columns a newer contract adds."""
    schema_sql = SCHEMA_SQL.read_text(encoding="utf-8")
    wanted = _contract_columns(schema_sql)
    present = set(
        con.execute(
            "select table_name, column_name from information_schema.columns where table_schema = 'raw'"
        ).fetchall()
    )
    if {(t, c) for t, c, _ in wanted} <= present:
        return
    con.execute(schema_sql)
    present = set(
        con.execute(
            "select table_name, column_name from information_schema.columns where table_schema = 'raw'"
        ).fetchall()
    )
    for table, column, data_type in wanted:
        if (table, column) not in present:
            con.execute(f"alter table raw.{ident(table)} add column {ident(column)} {data_type}")


# ------------------------------------------------------------------------------------------ key tables


def _key_table(target: Target) -> str:
    return f"{KEY_SCHEMA}.{ident(target.table)}"


def _key_hash(target: Target) -> str:
    """The 64-bit hash of a row's call key. Only a filter: a match is confirmed against the raw table."""
    return "hash(" + ", ".join(ident(k) for k in target.call_key) + ")"


def _ensure_key_table(con: duckdb.DuckDBPyConnection, target: Target) -> None:
    """Create the compact key table of a deduplicated raw table, or rebuild it when it does not match.

    It holds one (hash of the call key, source file) per raw row, so that a file's ids are checked against
    8-byte hashes instead of every call id loaded. Only the loader writes either table, in the same
    transaction, so they agree row for row; a key table that is missing, built with another DuckDB hash,
    or of another size (a warehouse from before key tables, raw rows changed by hand) is rebuilt."""
    table = _key_table(target)
    con.execute(f"create schema if not exists {KEY_SCHEMA}")
    con.execute(f"create table if not exists {KEY_REGISTRY} (raw_table varchar not null, hash_probe ubigint not null)")
    con.execute(f"create table if not exists {table} (key_hash ubigint not null, _source_file varchar not null)")
    in_step = con.execute(
        f"""select (select count(*) from {KEY_REGISTRY} where raw_table = ? and hash_probe = hash(?)) = 1
               and (select count(*) from {table}) = (select count(*) from raw.{ident(target.table)})""",
        [target.table, HASH_PROBE],
    ).fetchone()[0]
    if in_step:
        return
    con.execute("begin transaction")
    try:
        con.execute(f"delete from {table}")
        con.execute(f"insert into {table} select {_key_hash(target)}, _source_file from raw.{ident(target.table)}")
        con.execute(f"delete from {KEY_REGISTRY} where raw_table = ?", [target.table])
        con.execute(f"insert into {KEY_REGISTRY} values (?, hash(?))", [target.table, HASH_PROBE])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


# ------------------------------------------------------------------------------------------- the loader


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _ts(moment: datetime) -> str:
    return f"timestamp '{moment.isoformat(sep=' ')}'"


def ingest_source(
    con: duckdb.DuckDBPyConnection,
    source: str,
    landing_dir: Path | str,
    *,
    now: datetime | None = None,
    config: IngestConfig | None = None,
) -> SourceLoadResult:
    """Load every new or changed file of one source. Bad input never raises: it is quarantined, or the file
    is recorded as rejected. `now` (default: the clock) is the load time the future-timestamp rule uses."""
    if source not in SOURCE_DEFS:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    definition = SOURCE_DEFS[source]
    config = config or load_config()
    landing_dir = Path(landing_dir)
    loaded_at = _utc_now()
    ctx = ReadContext(config=config, now=_naive_utc(now) if now else loaded_at)
    _prepare_session(con, config)
    ensure_raw_schema(con)
    for target in definition.targets:
        if target.call_key:
            _ensure_key_table(con, target)
    discovery = discover(landing_dir, definition.folder, definition.formats)
    result = SourceLoadResult(source=source, files_ignored=discovery.ignored, loaded_at=loaded_at)
    priors = _priors(con, [f.rel_path for f in discovery.files])
    jobs = [
        _FileJob(con, definition, file, tuple(priors.get(file.rel_path, [])), ctx, loaded_at)
        for file in discovery.files
    ]
    with _BatchPrefetch(con, config, _group(jobs)) as prefetch:
        for index in range(prefetch.units):
            unit = prefetch.take(index)
            result.files.extend(_ingest_group(unit) if len(unit) > 1 else [_ingest_file(unit[0])])
    return result


def _group(jobs: list[_FileJob]) -> list[tuple[_FileJob, ...]]:
    """The files in processing order, cut into units: runs of groupable files (new Parquet files of a flat
    source, nothing to replace), at most GROUP_MAX_FILES and GROUP_MAX_BYTES each, and every other file
    alone."""
    units: list[tuple[_FileJob, ...]] = []
    run: list[_FileJob] = []
    for job in jobs:
        groupable = job.needs_batch and not job.replacing and job.definition.groupable(job.file)
        if run and (
            not groupable
            or len(run) == GROUP_MAX_FILES
            or sum(j.file.size_bytes for j in run) + job.file.size_bytes > GROUP_MAX_BYTES
        ):
            units.append(tuple(run))
            run = []
        if groupable:
            run.append(job)
        else:
            units.append((job,))
    if run:
        units.append(tuple(run))
    return units


def _prepare_session(con: duckdb.DuckDBPyConnection, config: IngestConfig) -> None:
    # Strings without an offset are UTC; DuckDB's progress bar would only clutter the run logs.
    con.execute("set session timezone = 'UTC'")
    con.execute("set enable_progress_bar = false")
    install_macros(con, config)


def _priors(con: duckdb.DuckDBPyConnection, paths: list[str]) -> dict[str, list[_Prior]]:
    if not paths:
        return {}
    rows = con.execute(
        "select file_path, status, content_sha256, size_bytes, error from raw.load_manifest "
        "where status in ('loaded', 'rejected') and list_contains(?, file_path)",
        [paths],
    ).fetchall()
    priors: dict[str, list[_Prior]] = {}
    for path, status, sha, size, error in rows:
        priors.setdefault(path, []).append(_Prior(status, sha, size, error))
    return priors


@dataclass(frozen=True)
class _FileJob:
    """One landing file to load, with what the run knows about it."""

    con: duckdb.DuckDBPyConnection
    definition: SourceDef
    file: LandingFile
    priors: tuple[_Prior, ...]
    ctx: ReadContext
    loaded_at: datetime
    built: Future[None] | None = None  # the batch, built ahead on `con` (its exception, if it failed)

    @property
    def replacing(self) -> bool:
        return bool(self.priors)

    @property
    def needs_batch(self) -> bool:
        """The file's content is read: it is new or changed, readable at first sight, and not empty."""
        return (
            _known_outcome(self.file, list(self.priors)) is None
            and not self.file.problem_reason
            and self.file.size_bytes > 0
        )


class _BatchPrefetch:
    """Builds the next file's batch while the current file writes to the raw tables. It works on units
    (_group): a single file, or a group of files with one batch, which is built and written as one.

    Reading and validating a file into its batch touches no raw table, so it need not wait for the
    previous file's transaction; the duplicate check and the writes must (they see the files before
    it). Each file loads on one of two connections of the same database, taken in turn: the batch of
    file n+1 is built (outside any transaction, into that connection's temp tables) on a background
    thread while file n, on the other connection, checks duplicates, inserts and commits. Its
    transaction starts only after file n committed, so it sees file n's rows exactly as a sequential
    load would. The write of a file is single-threaded (`_one_thread`), so on a 2-core machine the
    build of the next file uses the otherwise idle core (docs/INGESTION.md, Speed)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, config: IngestConfig, units: list[tuple[_FileJob, ...]]) -> None:
        self._units = units
        self.units = len(units)
        self._to_build = [i for i, unit in enumerate(units) if len(unit) > 1 or unit[0].needs_batch]
        self._position = {index: position for position, index in enumerate(self._to_build)}
        self._cons = [con]
        if len(self._to_build) > 1:
            second = con.cursor()
            _prepare_session(second, config)
            self._cons.append(second)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-batch")
        self._built: dict[int, tuple[_FileJob, ...]] = {}

    def __enter__(self) -> _BatchPrefetch:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        for con in self._cons[1:]:
            con.close()

    def _submit(self, index: int) -> None:
        if index in self._built:
            return
        con = self._cons[self._position[index] % len(self._cons)]
        unit = tuple(replace(job, con=con) for job in self._units[index])
        built = self._pool.submit(_build_batch, unit[0]) if len(unit) == 1 else self._pool.submit(_build_group, unit)
        self._built[index] = tuple(replace(job, built=built) for job in unit)

    def take(self, index: int) -> tuple[_FileJob, ...]:
        """The files of unit `index`: its batch submitted (and the next one's), on its own connection."""
        position = self._position.get(index)
        if position is None:
            return self._units[index]
        self._submit(index)
        if position + 1 < len(self._to_build):
            self._submit(self._to_build[position + 1])
        return self._built.pop(index)


def _build_batch(job: _FileJob) -> None:
    try:
        job.definition.build_batch(job.con, job.file, job.ctx)
    except BaseException:
        drop_temp(job.con)
        raise


def _build_group(unit: tuple[_FileJob, ...]) -> None:
    first = unit[0]
    try:
        first.definition.build_group_batch(first.con, [job.file for job in unit], first.ctx)
    except BaseException:
        drop_temp(first.con)
        raise


def _known_outcome(file: LandingFile, priors: list[_Prior]) -> FileResult | None:
    """The result for a file whose exact content the manifest already holds (it is not read again)."""
    same = [p for p in priors if p.sha256 == file.sha256 and p.size_bytes == file.size_bytes]
    if any(p.status == "loaded" for p in same):
        return FileResult(file.rel_path, "unchanged")
    if same:  # rejected before and unchanged since: still rejected
        reason, _, error = (same[0].error or "").partition(": ")
        return FileResult(file.rel_path, "rejected", error=error or reason, reason=reason or "unreadable_file")
    return None


def _ingest_file(job: _FileJob) -> FileResult:
    con, file = job.con, job.file
    known = _known_outcome(file, list(job.priors))
    if known:
        return known
    if file.problem_reason:
        return _record_rejection(job, file.problem_reason, file.problem_detail or "")
    try:
        if job.built is not None:
            try:
                job.built.result()  # the batch built ahead; raises what building it raised
            except BaseException:
                drop_temp(con)
                raise
        return _in_transaction(con, lambda: _load_file(job))
    except FileRejectedError as rejected:
        salvaged = _load_salvaged(job) if rejected.reason == "truncated_gzip" else None
        return salvaged or _record_rejection(job, rejected.reason, rejected.detail)
    except DATA_ERRORS as error:
        return _record_rejection(job, classify_error(str(error)), f"{file.rel_path}: {sanitize_error(str(error))}")


def _ingest_group(unit: tuple[_FileJob, ...]) -> list[FileResult]:
    """Load a group of new files in one transaction, or, on any error, roll it back and load its files one
    by one (so a bad file is rejected, salvaged or quarantined exactly as when it loads alone).

    The group commits as a whole: a crash before its commit loses every file of the group, none half
    loaded, and the next run loads them again (their manifest rows commit with their rows)."""
    con = unit[0].con
    try:
        if unit[0].built is not None:
            unit[0].built.result()  # the batch built ahead; raises what building it raised
        return _in_transaction(con, lambda: _load_group(unit))
    except InjectedCrash:
        raise
    except Exception as error:  # any failure of the group: the files load one by one, which reports it
        _log.warning("loading %d files one by one after the group failed: %s", len(unit), sanitize_error(str(error)))
        drop_temp(con)
        return [_ingest_file(replace(job, built=None)) for job in unit]


def _load_group(unit: tuple[_FileJob, ...]) -> list[FileResult]:
    """The group's batch (rows in file order, `_file` numbering the files from 1) into the raw tables, the
    quarantine and one manifest row per file, with each file's counts as a one-by-one load gives them."""
    first = unit[0]
    con, definition, loaded_at = first.con, first.definition, first.loaded_at
    paths = [job.file.rel_path for job in unit]
    if first.built is None:
        definition.build_group_batch(con, [job.file for job in unit], first.ctx)
    file_sql = f"({lit_list(paths)})[_file]"
    crash_marker = os.environ.get(CRASH_ENV_VAR)
    for target in definition.targets:
        if target.call_key:
            _mark_duplicates(con, target, paths)
        _insert_target(con, target, file_sql, loaded_at)
        if crash_marker and (crash_marker == "*" or any(crash_marker in path for path in paths)):
            raise InjectedCrash(f"injected crash after inserting into raw.{target.table} from {', '.join(paths)}")
    _insert_quarantine(
        con, definition, file_sql, f"({lit_list([job.file.sha256 for job in unit])})[_file]", loaded_at,
        order="_file, _source_row, rowid",
    )  # fmt: skip
    results = [FileResult(path, "loaded", rows_loaded={t.table: 0 for t in definition.targets}) for path in paths]
    counts = con.execute(f"select _file, _target, _reason, count(*) from {BATCH} group by all").fetchall()
    for index, target, reason, n in counts:
        result = results[index - 1]
        if reason is not None:
            result.quarantined[reason] = result.quarantined.get(reason, 0) + n
        elif target is None:
            result.rows_skipped += n
        else:
            result.rows_loaded[target] += n
    _record_loaded(con, definition, loaded_at, [(job.file, result) for job, result in zip(unit, results, strict=True)])
    return results


def _record_loaded(
    con: duckdb.DuckDBPyConnection,
    definition: SourceDef,
    loaded_at: datetime,
    loaded: Sequence[tuple[LandingFile, FileResult]],
) -> None:
    """A manifest entry 'loaded' per file, with its result's counts."""
    con.executemany(
        "insert into raw.load_manifest (file_path, source, size_bytes, content_sha256, status, rows_loaded, "
        "rows_quarantined, rows_skipped, error, loaded_at) values (?, ?, ?, ?, 'loaded', ?, ?, ?, null, ?)",
        [
            [
                file.rel_path,
                definition.name,
                file.size_bytes,
                file.sha256,
                sum(result.rows_loaded.values()),
                sum(result.quarantined.values()),
                result.rows_skipped,
                loaded_at,
            ]
            for file, result in loaded
        ],
    )


def _in_transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], _T]) -> _T:
    """Run one file's (or group's) load in a transaction: everything commits, or nothing (the temp tables
    go too)."""
    con.execute("begin transaction")
    try:
        outcome = work()
        con.execute("commit")
        return outcome
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        drop_temp(con)


def _load_salvaged(job: _FileJob) -> FileResult | None:
    """A truncated gzip: load its complete lines and quarantine the cut (None if it cannot be salvaged)."""
    if not job.file.rel_path.lower().endswith(".gz"):
        return None
    salvage = salvage_truncated_gzip(job.file.abs_path)
    if salvage is None:
        return None
    suffix = {"csv": ".csv", "json": ".json"}.get(job.file.fmt, ".jsonl")
    with in_memory(job.con, salvage.complete, suffix) as memory_path:
        copy = replace(job, file=replace(job.file, salvaged_from=memory_path), built=None)
        return _in_transaction(job.con, lambda: _load_file(copy, salvage))


def _load_file(job: _FileJob, salvage: Salvage | None = None) -> FileResult:
    con, definition, file, loaded_at = job.con, job.definition, job.file, job.loaded_at
    path_sql = lit(file.rel_path)
    if file.size_bytes == 0:
        counts: dict[tuple[str | None, str | None], int] = {}
    else:
        if job.built is None:
            definition.build_batch(con, file, job.ctx)
        if salvage is not None:
            _quarantine_cut(con, file, salvage)
        counts = {
            (target, reason): n
            for target, reason, n in con.execute(
                f"select _target, _reason, count(*) from {BATCH} group by all"
            ).fetchall()
        }
    if job.replacing:
        for target in definition.targets:
            con.execute(f"delete from raw.{target.table} where _source_file = {path_sql}")
            if target.call_key:
                con.execute(f"delete from {_key_table(target)} where _source_file = {path_sql}")
        con.execute(f"delete from raw.quarantine where file_path = {path_sql}")
        con.execute(
            f"update raw.load_manifest set status = 'replaced' "
            f"where file_path = {path_sql} and status in ('loaded', 'rejected')"
        )
    result = FileResult(file.rel_path, "replaced" if job.replacing else "loaded")
    skipped = sum(n for (target, reason), n in counts.items() if target is None and reason is None)
    quarantined: Counter[str] = Counter()
    for (_, reason), n in counts.items():
        if reason is not None:
            quarantined[reason] += n
    crash_marker = os.environ.get(CRASH_ENV_VAR)
    if file.size_bytes:
        for target in definition.targets:
            duplicates = _mark_duplicates(con, target) if target.call_key else (0, 0)
            skipped += duplicates[0]
            if duplicates[1]:
                quarantined["duplicate_conflicting"] += duplicates[1]
            result.rows_loaded[target.table] = _insert_target(con, target, path_sql, loaded_at)
            if crash_marker and (crash_marker == "*" or crash_marker in file.rel_path):
                raise InjectedCrash(f"injected crash after inserting into raw.{target.table} from {file.rel_path}")
        _insert_quarantine(con, definition, path_sql, lit(file.sha256), loaded_at)
    else:
        result.rows_loaded = {t.table: 0 for t in definition.targets}
    result.quarantined = dict(quarantined)
    result.rows_skipped = skipped
    _record_loaded(con, definition, loaded_at, [(file, result)])
    return result


def _quarantine_cut(con: duckdb.DuckDBPyConnection, file: LandingFile, salvage: Salvage) -> None:
    header_lines = 1 if file.fmt == "csv" else 0
    cut_row = salvage.complete_lines + 1 - header_lines
    detail = (
        f"the gzip stream ends inside line {salvage.complete_lines + 1}: the {salvage.complete_lines} complete lines "
        "before it were read; the cut line and anything after it are lost"
    )
    con.execute(
        f"insert into {BATCH} by name select ? as _source_row, null::varchar as _target, 'truncated_gzip' as _reason, "
        f"? as _detail, {REDACT}(?) as _raw_text",
        [cut_row, detail, salvage.cut_line[:100_000]],
    )


def _mark_duplicates(
    con: duckdb.DuckDBPyConnection, target: Target, group_files: Sequence[str] = ()
) -> tuple[int, int]:
    """Rows of this batch whose call id was seen earlier (earlier in the file, or already loaded).

    Identical content -> dropped and counted as skipped; different content -> duplicate_conflicting. The
    first occurrence wins: the row already loaded, else the earliest row of the file. Returns (skipped,
    conflicting) and leaves the verdicts in the temp table _dups.

    For a group's batch (`group_files`, the paths its `_file` numbers), rows rank by file, then row: an
    earlier file of the group counts as already loaded, exactly as when the files load one by one."""
    keys = ", ".join(ident(k) for k in target.call_key)
    content = ", ".join(f"{ident(c)} := {ident(c)}" for c in target.columns)
    table = f"raw.{target.table}"
    good = f"_target = {lit(target.table)} and _reason is null"
    con.execute(
        f"create or replace temp table _dup_keys as "
        f"select {keys} from {BATCH} where {good} group by all having count(*) > 1"
    )
    # Ids already loaded: the batch's key hashes against the compact key table (8-byte hashes, not every
    # call id loaded). A hash match is only a candidate: `existing` below reads the raw rows of the
    # candidates, and a candidate without one (a hash collision) gets no verdict. An inner join rather than
    # a semi join or IN, so that DuckDB builds its hash table on the smaller side, the batch.
    con.execute(
        f"insert into _dup_keys select distinct {keys} from ("
        f"select {keys}, {_key_hash(target)} as _key_hash from {BATCH} "
        f"where {good} and {ident(target.call_key[0])} is not null"
        f") b join {_key_table(target)} k on k.key_hash = b._key_hash"
    )
    if not con.execute("select exists (select 1 from _dup_keys)").fetchone()[0]:
        return 0, 0
    label = " || '/' || ".join(f"coalesce(r.{ident(k)}, '')" for k in target.call_key)
    if group_files:
        file_col, file_order = "_file, ", "_file, "
        first_file = ", first_value(_file) over w as first_file"
        earlier_file = (
            f"when r.first_file <> r._file then 'call id ' || {label} || ' already loaded from ' || "
            f"({lit_list(group_files)})[r.first_file] || ':' || r.first_row "
        )
    else:
        file_col = file_order = first_file = earlier_file = ""
    con.execute(
        f"""
        create or replace temp table _dups as
        with candidates as (
            select rowid as _row_id, {file_col}_source_row, {keys}, struct_pack({content}) as c
            from {BATCH} semi join (select distinct * from _dup_keys) using ({keys})
            where {good}
        ),
        ranked as (
            select *, row_number() over w as rn, first_value(c) over w as first_c,
                   first_value(_source_row) over w as first_row{first_file}
            from candidates
            window w as (
                partition by {keys} order by {file_order}_source_row, _row_id
                rows between unbounded preceding and current row
            )
        ),
        existing as (
            select {keys}, arg_min(struct_pack({content}), (_source_file, _source_row)) as c,
                   arg_min(_source_file || ':' || _source_row, (_source_file, _source_row)) as loc
            from {table} semi join (select distinct * from _dup_keys) using ({keys})
            group by all
        )
        select r._row_id,
               case when coalesce(e.c, r.first_c) is not distinct from r.c then 'skip' else 'conflict' end as verdict,
               case when e.loc is not null then 'call id ' || {label} || ' already loaded from ' || e.loc
                    {earlier_file}else 'call id ' || {label} || ' first seen at row ' || r.first_row || ' of this file'
               end
               || ' with different content' as detail,
               to_json(r.c)::varchar as raw_text
        from ranked r left join existing e using ({keys})
        where e.c is not null or r.rn > 1"""
    )
    skipped, conflicting = con.execute(
        "select count(*) filter (where verdict = 'skip'), count(*) filter (where verdict = 'conflict') from _dups"
    ).fetchone()
    con.execute(
        f"""update {BATCH} set _reason = 'duplicate_conflicting', _detail = d.detail, _raw_text = d.raw_text
        from _dups d where {BATCH}.rowid = d._row_id and d.verdict = 'conflict'"""
    )
    con.execute(
        f"update {BATCH} set _target = null from _dups d where {BATCH}.rowid = d._row_id and d.verdict = 'skip'"
    )
    return skipped, conflicting


@contextmanager
def _one_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run statements on one thread, then restore the thread count.

    A parallel insert into a persistent table writes each thread's share as partial row groups that the
    checkpoint then merges and rewrites; on one thread the rows go into full row groups once: a quarter
    smaller database file, and the final checkpoint no longer rewrites the load (docs/INGESTION.md, Speed)."""
    threads = con.execute("select current_setting('threads')").fetchone()[0]
    con.execute("set threads = 1")
    try:
        yield
    finally:
        con.execute(f"set threads = {int(threads)}")


def _insert_target(con: duckdb.DuckDBPyConnection, target: Target, file_sql: str, loaded_at: datetime) -> int:
    """Insert the batch's good rows, in batch order; `file_sql` gives a row's _source_file (for a group, an
    expression over `_file`)."""
    columns = ", ".join(ident(c) for c in target.columns)
    rows = f"from {BATCH} where _target = {lit(target.table)} and _reason is null"
    with _one_thread(con):
        inserted = con.execute(
            f"""insert into raw.{ident(target.table)} by name
            select {columns}, {file_sql} as _source_file, _source_row, {_ts(loaded_at)} as _loaded_at
            {rows}"""
        ).fetchone()[0]
        if target.call_key:  # the same rows, so the key table stays the raw table's row for row
            con.execute(f"insert into {_key_table(target)} select {_key_hash(target)}, {file_sql} {rows}")
    return int(inserted)


def _insert_quarantine(
    con: duckdb.DuckDBPyConnection,
    definition: SourceDef,
    file_sql: str,
    sha_sql: str,
    loaded_at: datetime,
    order: str = "_source_row, rowid",
) -> None:
    con.execute(
        f"""insert into raw.quarantine
            (source, file_path, source_row, reason, detail, raw_text, quarantined_at, content_sha256)
        select {lit(definition.name)}, {file_sql}, _source_row, _reason, _detail, _raw_text,
               {_ts(loaded_at)}, {sha_sql}
        from {BATCH} where _reason is not null order by {order}"""
    )


def _record_rejection(job: _FileJob, reason: str, detail: str) -> FileResult:
    """A file that cannot be read: a manifest entry 'rejected' and one quarantine row naming the reason.

    Rows an earlier version of the path loaded stay (the new content is not readable, so nothing replaces
    them); an earlier rejected version of the path is superseded."""
    con, definition, file, loaded_at = job.con, job.definition, job.file, job.loaded_at
    con.execute("begin transaction")
    try:
        earlier_rejected = [p.sha256 for p in job.priors if p.status == "rejected"]
        if earlier_rejected:
            con.execute(
                "update raw.load_manifest set status = 'replaced' where file_path = ? and status = 'rejected'",
                [file.rel_path],
            )
            con.execute(
                "delete from raw.quarantine where file_path = ? and list_contains(?, content_sha256)",
                [file.rel_path, earlier_rejected],
            )
        con.execute(
            "insert into raw.load_manifest (file_path, source, size_bytes, content_sha256, status, rows_loaded, "
            "rows_quarantined, rows_skipped, error, loaded_at) values (?, ?, ?, ?, 'rejected', 0, 0, 0, ?, ?)",
            [file.rel_path, definition.name, file.size_bytes, file.sha256, f"{reason}: {detail}", loaded_at],
        )
        con.execute(
            "insert into raw.quarantine (source, file_path, source_row, reason, detail, raw_text, quarantined_at, "
            "content_sha256) values (?, ?, null, ?, ?, null, ?, ?)",
            [definition.name, file.rel_path, reason, detail, loaded_at, file.sha256],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return FileResult(file.rel_path, "rejected", quarantined={reason: 1}, error=detail, reason=reason)


def outstanding_rejections(con: duckdb.DuckDBPyConnection, landing_dir: Path | str) -> list[RejectedFile]:
    """Rejected files still waiting for a fix: their manifest entry is 'rejected' and the file is still in
    the landing folder (a fixed file replaces the entry on the next load; a deleted one no longer counts)."""
    landing_dir = Path(landing_dir)
    rows = con.execute(
        "select source, file_path, error from raw.load_manifest where status = 'rejected' order by file_path"
    ).fetchall()
    outstanding = []
    for source, path, error in rows:
        if os.path.lexists(landing_dir / path):
            reason, _, detail = (error or "").partition(": ")
            outstanding.append(RejectedFile(source, path, reason, detail))
    return outstanding
