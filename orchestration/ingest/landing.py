"""Finding landing files: which source folder, which formats, and whether a path is safe to read.

Only regular files inside the landing folder are read. A symlink whose target lies outside the folder,
or anything that is not a regular file (a FIFO, a device), is reported as a problem and never opened."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

# Extension -> reader format. The longest matching suffix wins (".jsonl.gz" before ".gz").
FORMAT_BY_SUFFIX = {
    ".jsonl": "jsonl",
    ".jsonl.gz": "jsonl",
    ".ndjson": "jsonl",
    ".ndjson.gz": "jsonl",
    ".json": "json",
    ".json.gz": "json",
    ".csv": "csv",
    ".csv.gz": "csv",
    ".parquet": "parquet",
}


@dataclass(frozen=True)
class LandingFile:
    rel_path: str  # relative to the landing folder, '/' separated
    abs_path: Path  # the resolved path that is read
    fmt: str  # jsonl | json | csv | parquet
    size_bytes: int
    sha256: str
    problem_reason: str | None = None  # symlink_outside_landing | unreadable_file
    problem_detail: str | None = None
    salvaged_from: str | None = None  # set when read_path is an in-memory copy of a truncated gzip's complete lines

    @property
    def read_path(self) -> str:
        """What DuckDB opens: the file itself, or the in-memory salvage of a truncated gzip."""
        return self.salvaged_from or str(self.abs_path)


@dataclass(frozen=True)
class Discovery:
    files: list[LandingFile]
    ignored: list[str]  # files in a source folder with an unsupported extension


def file_format(name: str) -> str | None:
    lower = name.lower()
    for suffix in sorted(FORMAT_BY_SUFFIX, key=len, reverse=True):
        if lower.endswith(suffix):
            return FORMAT_BY_SUFFIX[suffix]
    return None


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _is_inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def discover(landing_dir: Path, folder: str, formats: frozenset[str]) -> Discovery:
    """Every file under landing_dir/folder (recursively, sorted by path) in one of the given formats.

    Hidden files and folders (starting with '.') are skipped: editors and copy tools leave them."""
    landing_root = landing_dir.resolve()
    source_root = landing_dir / folder
    files: list[LandingFile] = []
    ignored: list[str] = []
    if not source_root.is_dir():
        return Discovery(files, ignored)
    candidates: list[Path] = []
    for directory, subdirs, names in os.walk(source_root, followlinks=False):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        base = Path(directory)
        # A symlinked folder is listed as a dir but not walked: treat it like a file so it is reported.
        candidates += [base / d for d in subdirs if (base / d).is_symlink()]
        candidates += [base / n for n in names if not n.startswith(".")]
    for path in sorted(candidates):
        rel_path = path.relative_to(landing_dir).as_posix()
        is_link = path.is_symlink()
        if is_link and path.is_dir():
            # Folders linked from inside the landing folder are walked where they really are; a link to a
            # folder outside it is reported once.
            if not _is_inside(path.resolve(), landing_root):
                files.append(_inspect(path, rel_path, "directory", landing_root, is_link))
            continue
        fmt = file_format(path.name)
        if fmt is None or fmt not in formats:
            ignored.append(rel_path)
            continue
        files.append(_inspect(path, rel_path, fmt, landing_root, is_link))
    return Discovery(files, ignored)


def _inspect(path: Path, rel_path: str, fmt: str, landing_root: Path, is_link: bool) -> LandingFile:
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as error:
        return _problem(path, rel_path, fmt, "unreadable_file", f"cannot resolve path: {error}")
    if not _is_inside(target, landing_root):
        return _problem(
            path, rel_path, fmt, "symlink_outside_landing", f"symlink leads outside the landing folder: {target}"
        )
    try:
        info = target.stat()
    except OSError as error:
        return _problem(path, rel_path, fmt, "unreadable_file", f"cannot stat: {error}")
    if not stat.S_ISREG(info.st_mode):
        kind = "symlink to a non-regular file" if is_link else "not a regular file"
        return _problem(path, rel_path, fmt, "unreadable_file", kind)
    try:
        digest = sha256_of(target)
    except OSError as error:
        return _problem(path, rel_path, fmt, "unreadable_file", f"cannot read: {error}")
    return LandingFile(rel_path=rel_path, abs_path=target, fmt=fmt, size_bytes=info.st_size, sha256=digest)


def _problem(path: Path, rel_path: str, fmt: str, reason: str, detail: str) -> LandingFile:
    # The file is never opened; its identity is the link itself, so an unchanged link is not re-reported
    # as a new rejection on every run.
    try:
        identity = f"{reason}:{os.readlink(path) if path.is_symlink() else path}"
    except OSError:
        identity = f"{reason}:{path}"
    return LandingFile(
        rel_path=rel_path,
        abs_path=path,
        fmt=fmt,
        size_bytes=0,
        sha256=hashlib.sha256(identity.encode()).hexdigest(),
        problem_reason=reason,
        problem_detail=detail,
    )
