"""Truncated gzip files: the complete lines before the cut still load, the cut is quarantined.

A collector or copy killed mid-write leaves a gzip stream without its end. DuckDB refuses such a file as a
whole, so its bytes are decompressed here up to the cut (zlib, streaming), the last incomplete line is set
aside, and the complete lines are handed to DuckDB through an in-memory filesystem: nothing is written to
disk, the readers run unchanged.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import duckdb
from fsspec.implementations.memory import MemoryFileSystem

CHUNK = 1 << 20


@dataclass(frozen=True)
class Salvage:
    complete: bytes  # every complete line (ending in a newline)
    complete_lines: int
    cut_line: str  # the incomplete last line, as far as it got


def salvage_truncated_gzip(path: Path) -> Salvage | None:
    """The complete lines of a gzip stream that ends early; None if the stream is complete or corrupt
    (a corrupt stream is not a truncation: the file is rejected)."""
    decompressor = zlib.decompressobj(wbits=31)
    out = bytearray()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                out += decompressor.decompress(chunk)
                if decompressor.eof:
                    return None  # a complete member: the failure was something else
        out += decompressor.flush()
    except zlib.error:
        return None
    cut = out.rfind(b"\n") + 1
    complete = bytes(out[:cut])
    return Salvage(complete, complete.count(b"\n"), out[cut:].decode("utf-8", errors="replace"))


@contextmanager
def in_memory(con: duckdb.DuckDBPyConnection, data: bytes, suffix: str) -> Iterator[str]:
    """Expose bytes to DuckDB as a file (memory://...) for the duration of the block."""
    filesystem = MemoryFileSystem()
    path = f"/aicost-salvage/{uuid4().hex}{suffix}"
    with filesystem.open(path, "wb") as handle:
        handle.write(data)
    con.register_filesystem(filesystem)
    try:
        yield f"memory://{path.lstrip('/')}"
    finally:
        con.unregister_filesystem("memory")
        filesystem.rm(path)
