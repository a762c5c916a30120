"""Shared pieces of the writers: string lookups, fake content, bad-record bookkeeping, deterministic files."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from orchestration.generate import ids
from orchestration.generate.catalog import ENVIRONMENTS, FEATURE_LABELS, FEATURES, PLAN_TIERS, ModelSpec
from orchestration.generate.workload import DayCalls, TenantBook

# Short fake prompt/response text per feature, so the loaders' content stripping has something to strip.
FAKE_CONTENT = {
    "draft-email": ("Draft a polite reply confirming the meeting moved to Thursday.", "Hi Dana, Thursday works."),
    "summarize-thread": ("Summarize this 14-message thread about the Q3 vendor renewal.", "Renewal agreed at 4%."),
    "rewrite-tone": ("Rewrite this paragraph in a friendlier tone.", "Happy to help with that!"),
    "smart-reply": ("Suggest three short replies.", "Sounds good! / Thanks! / Let me check."),
    "meeting-notes": ("Write notes for the attached transcript.", "Decisions: ship beta on the 14th."),
    "translate-message": ("Translate to German: see you tomorrow.", "Bis morgen."),
    "search-answer": ("Where is the expense policy for travel?", "See Finance > Policies > Travel."),
    "classify-ticket": ("Classify: my invoice shows the wrong VAT number.", "billing"),
    "extract-action-items": ("List the action items in these notes.", "1. Send the deck to Priya."),
    "agent-assist": ("Customer cannot log in after password reset; investigate.", "Reset token expired; resend."),
    "sentiment-insights": ("Rate the sentiment of this conversation.", "negative"),
    "report-builder": ("Build a weekly report of ticket volume by queue.", "Ticket volume rose 8% week over week."),
}


@dataclass
class BadRecord:
    """One deliberately bad input record (or an identical duplicate) and where it was written."""

    source: str
    reason: str  # a raw.quarantine reason code, or identical_duplicate
    expected: str  # quarantined | dropped_and_counted
    detail: str
    record_id: str | None = None
    file: str = ""
    line: int | None = None  # 1-based physical line (JSON lines, CSV incl. header)
    row: int | None = None  # 1-based data row (CSV without header, Parquet, result position in a JSON page file)
    extra: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"file": self.file, "source": self.source}
        if self.line is not None:
            out["line"] = self.line
        if self.row is not None:
            out["row"] = self.row
        out["source_row"] = self.row if self.row is not None else self.line
        out.update(reason=self.reason, expected=self.expected, record_id=self.record_id, detail=self.detail)
        out.update(self.extra)
        return out


@dataclass
class FileRecord:
    path: str
    kind: str
    rows: int
    calls: int = 0
    trees: int = 0
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Lookups:
    models: tuple[ModelSpec, ...]
    tenant_ids: tuple[str, ...]
    user_ids: tuple[str, ...]
    seed: int

    @property
    def feature_labels(self) -> tuple[str, ...]:
        return FEATURE_LABELS

    @staticmethod
    def environment(index: int) -> str:
        return ENVIRONMENTS[index]

    @staticmethod
    def plan(index: int) -> str:
        return PLAN_TIERS[index]

    @staticmethod
    def feature_id(index: int) -> str:
        return FEATURES[index].feature_id


def trace_id_words(seed: int, tree_global: np.ndarray) -> list[np.ndarray]:
    return [
        ids.hashed(seed, ids.STREAM_TRACE_HI, tree_global.astype(np.uint64)),
        ids.hashed(seed, ids.STREAM_TRACE_LO, tree_global.astype(np.uint64)),
    ]


def trace_ids(seed: int, tree_global: np.ndarray) -> pa.StringArray:
    return ids.hex_strings(trace_id_words(seed, tree_global))


def call_words(seed: int, call_global: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    counters = call_global.astype(np.uint64)
    return ids.hashed(seed, ids.STREAM_CALL, counters), ids.hashed(seed, ids.STREAM_RESPONSE, counters)


def is_tagged(day: DayCalls, calls: np.ndarray) -> np.ndarray:
    """Roots carry the tags; other calls only when the app propagated them."""
    return (day.call_pos[calls] == 0) | day.call_child_tagged[calls]


def interleave(
    items: list[str], inserts: list[tuple[int, str, BadRecord]], relative: str, header_lines: int = 0
) -> tuple[list[str], list[int]]:
    """Items with bad records inserted before the given item positions; fills each record's file/line/row.
    Also returns the final 1-based position (row, or line when there is no header) of every original item."""
    by_position: dict[int, list[tuple[str, BadRecord]]] = {}
    for position, text, record in inserts:
        by_position.setdefault(min(max(position, 0), len(items)), []).append((text, record))
    final: list[str] = []
    item_positions: list[int] = []
    for index in range(len(items) + 1):
        for text, record in by_position.get(index, []):
            final.append(text)
            record.file = relative
            record.row = len(final) if header_lines else None
            record.line = len(final) + header_lines
        if index < len(items):
            final.append(items[index])
            item_positions.append(len(final))
    return final, item_positions


def distinct_sorted(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a plain sort: faster than np.unique's hashing on large int64 arrays)."""
    ordered = np.sort(values)
    if ordered.size == 0:
        return ordered
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])]


def count_trees(day: DayCalls, calls: np.ndarray) -> int:
    """Distinct trees among calls given in index order (a tree's calls are contiguous)."""
    trees = day.call_tree[calls]
    return int(np.count_nonzero(np.diff(trees))) + 1 if trees.size else 0


def compact_json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def write_bytes(path: Path, data: bytes, *, gzip_it: bool = False) -> None:
    """Write deterministically: gzip with mtime 0 and no file name in the header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if gzip_it:
        buffer = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=6) as handle:
            handle.write(data)
        data = buffer.getvalue()
    path.write_bytes(data)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tenant_book_lookups(book: TenantBook, models: tuple[ModelSpec, ...], seed: int) -> Lookups:
    return Lookups(models=models, tenant_ids=tuple(book.tenant_ids), user_ids=tuple(book.user_id_strings()), seed=seed)
