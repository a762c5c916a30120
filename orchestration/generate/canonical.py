"""Canonical flat call records (ARCHITECTURE.md) as Parquet, one file per day, built column-wise in pyarrow.

This is the scale path: 10M calls are written a day at a time with no per-row Python.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orchestration.generate import ids
from orchestration.generate.catalog import ENVIRONMENTS, PLAN_TIERS
from orchestration.generate.records import (
    BadRecord,
    FileRecord,
    Lookups,
    call_words,
    count_trees,
    is_tagged,
    trace_ids,
)
from orchestration.generate.workload import DayCalls

ROW_GROUP_SIZE = 131_072
# Low-cardinality columns; ids (uuids, hex) would only waste a dictionary attempt per page.
DICTIONARY_COLUMNS = [
    "environment",
    "provider",
    "model",
    "response_model",
    "operation",
    "feature",
    "tenant_id",
    "user_id",
    "plan_tier",
    "status",
]
FUTURE_TIMESTAMP = datetime(2099, 6, 30, 8, 0, tzinfo=UTC)
SCHEMA = pa.schema(
    [
        ("call_id", pa.string()),
        ("trace_id", pa.string()),
        ("parent_call_id", pa.string()),
        ("started_at", pa.timestamp("us", tz="UTC")),
        ("environment", pa.string()),
        ("provider", pa.string()),
        ("model", pa.string()),
        ("response_model", pa.string()),
        ("operation", pa.string()),
        ("feature", pa.string()),
        ("tenant_id", pa.string()),
        ("user_id", pa.string()),
        ("session_id", pa.string()),
        ("plan_tier", pa.string()),
        ("attempt", pa.int32()),
        ("status", pa.string()),
        ("input_tokens", pa.int64()),
        ("cache_read_tokens", pa.int64()),
        ("cache_write_tokens", pa.int64()),
        ("cache_write_1h_tokens", pa.int64()),
        ("output_tokens", pa.int64()),
        ("reasoning_tokens", pa.int64()),
        ("latency_ms", pa.int64()),
    ]
)


def _lookup(values: list[str] | tuple[str, ...], indices: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Strings by index, built through a dictionary so millions of rows cost one take()."""
    mask = None if valid is None else ~valid
    array = pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int32), mask=mask), pa.array(list(values)))
    return array.cast(pa.string())


def canonical_table(lookups: Lookups, day: DayCalls, calls: np.ndarray) -> pa.Table:
    trees = day.call_tree[calls]
    hi, lo = call_words(lookups.seed, day.call_global[calls])
    call_ids = ids.uuid_strings(hi, lo)
    root_calls = day.tree_first_call[trees]
    is_root = day.call_pos[calls] == 0
    root_hi, root_lo = call_words(lookups.seed, day.call_global[root_calls])
    parent_ids = ids.uuid_strings(root_hi, root_lo)
    parent_ids = pc.if_else(pa.array(is_root), pa.scalar(None, pa.string()), parent_ids)
    tagged = is_tagged(day, calls)
    models = lookups.models
    session_words = day.tree_session[trees]
    sessions = ids.hex_strings([session_words], prefix=b"sess_")
    sessions = pc.if_else(pa.array(tagged), sessions, pa.scalar(None, pa.string()))
    columns = {
        "call_id": call_ids,
        "trace_id": trace_ids(lookups.seed, day.tree_global[trees]),
        "parent_call_id": parent_ids,
        "started_at": pa.array(day.call_start_us[calls], type=pa.timestamp("us", tz="UTC")),
        "environment": _lookup(ENVIRONMENTS, day.tree_env[trees]),
        "provider": _lookup([m.otel_provider for m in models], day.call_model[calls]),
        "model": _lookup([m.request_model for m in models], day.call_model[calls]),
        "response_model": _lookup([m.response_model for m in models], day.call_model[calls], day.call_ok[calls]),
        "operation": _lookup(["chat"], np.zeros(calls.size, dtype=np.int64)),
        "feature": _lookup(lookups.feature_labels, day.tree_label[trees], tagged),
        "tenant_id": _lookup(lookups.tenant_ids, day.tree_tenant[trees], tagged),
        "user_id": _lookup(lookups.user_ids, day.tree_user[trees], tagged),
        "session_id": sessions,
        "plan_tier": _lookup(PLAN_TIERS, day.tree_plan[trees], tagged),
        "attempt": pa.array(day.call_attempt[calls].astype(np.int32)),
        "status": _lookup(["failure", "success"], day.call_ok[calls].astype(np.int64)),
        "input_tokens": pa.array(day.call_input[calls]),
        "cache_read_tokens": pa.array(day.call_cache_read[calls]),
        "cache_write_tokens": pa.array(day.call_cache_write[calls]),
        "cache_write_1h_tokens": pa.array(day.call_cache_write_1h[calls]),
        "output_tokens": pa.array(day.call_output[calls]),
        "reasoning_tokens": pa.array(day.call_reasoning[calls]),
        "latency_ms": pa.array(day.call_latency_ms[calls]),
    }
    return pa.table(columns, schema=SCHEMA)


def _bad_rows(table: pa.Table, reasons: list[str]) -> list[tuple[int, pa.Table, BadRecord, int | None]]:
    """(position, one-row table, record, row it duplicates) for each requested bad row."""
    out = []
    n = table.num_rows
    for k, reason in enumerate(reasons):
        if n == 0:
            break
        position = int((k + 1) * n / (len(reasons) + 1))
        source_index = (k * 7919) % n
        row = table.slice(source_index, 1).to_pylist()[0]
        duplicate_of = None
        if reason == "negative_tokens":
            row["call_id"] = f"bad-{k:02d}-{row['call_id'][9:]}"
            row["input_tokens"] = -120
            row["cache_read_tokens"] = 0
            row["cache_write_tokens"] = 0
            row["cache_write_1h_tokens"] = 0
            detail = "input_tokens = -120"
        elif reason == "future_timestamp":
            row["call_id"] = f"bad-{k:02d}-{row['call_id'][9:]}"
            row["started_at"] = FUTURE_TIMESTAMP
            detail = f"started_at is {FUTURE_TIMESTAMP.isoformat()}"
        elif reason == "duplicate_conflicting":
            tokens = table.column("input_tokens").to_numpy() + table.column("output_tokens").to_numpy()
            source_index = int(np.argmin(tokens))  # the cheapest call, so either dedup policy keeps drift tiny
            row = table.slice(source_index, 1).to_pylist()[0]
            row["output_tokens"] = row["output_tokens"] + 40
            duplicate_of = source_index
            position = max(position, source_index + 1)
            detail = "same call_id as an earlier row, output_tokens differ; the earlier row is genuine"
        elif reason == "identical_duplicate":
            duplicate_of = source_index
            position = max(position, source_index + 1)
            detail = "the same row written twice"
        else:
            raise ValueError(reason)
        expected = "dropped_and_counted" if reason == "identical_duplicate" else "quarantined"
        record = BadRecord("canonical", reason, expected, detail, row["call_id"])
        out.append((position, pa.Table.from_pylist([row], schema=SCHEMA), record, duplicate_of))
    return out


def write_canonical_day(
    root: Path, relative: str, lookups: Lookups, day: DayCalls, calls: np.ndarray, *, bad_reasons: list[str]
) -> tuple[FileRecord, list[BadRecord]]:
    table = canonical_table(lookups, day, calls)
    bad = sorted(_bad_rows(table, bad_reasons), key=lambda item: item[0])
    pieces, cursor, inserted = [], 0, 0
    for position, row_table, record, duplicate_of in bad:
        pieces.append(table.slice(cursor, position - cursor))
        inserted_before = inserted
        record.file = relative
        record.row = position + inserted + 1
        if duplicate_of is not None:
            # duplicate_of < position, so only bad rows inserted before it shift it
            shift = sum(1 for p, *_ in bad[:inserted_before] if p <= duplicate_of)
            record.extra["duplicate_of_row"] = duplicate_of + shift + 1
        pieces.append(row_table)
        cursor, inserted = position, inserted + 1
    pieces.append(table.slice(cursor))
    full = pa.concat_tables(pieces) if len(pieces) > 1 else table
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        full,
        path,
        row_group_size=ROW_GROUP_SIZE,
        compression="zstd",
        use_dictionary=DICTIONARY_COLUMNS,
        write_statistics=True,
    )
    file_record = FileRecord(
        relative,
        "canonical",
        rows=full.num_rows,
        calls=table.num_rows,
        trees=count_trees(day, calls),
    )
    return file_record, [record for _p, _t, record, _d in bad]
