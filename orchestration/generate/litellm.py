"""An export of LiteLLM's LiteLLM_SpendLogs table, one file per day (CSV on even days, JSON lines on odd).

In CSV the JSON columns (request_tags, metadata, messages, response) are JSON text, as a Postgres
`COPY ... CSV` writes them; in JSON lines they are nested JSON values. Empty CSV fields are nulls.
`spend` is LiteLLM's own estimate and reproduces its known pricing gaps (see LITELLM_MISPRICING_RULE).
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from orchestration.generate import ids
from orchestration.generate.catalog import FEATURES
from orchestration.generate.pricing import TOKEN_TYPES, price_book
from orchestration.generate.records import (
    FAKE_CONTENT,
    BadRecord,
    FileRecord,
    Lookups,
    call_words,
    compact_json,
    count_trees,
    interleave,
    is_tagged,
    trace_id_words,
    write_bytes,
)
from orchestration.generate.workload import DAY_US, DayCalls, from_us

COLUMNS = (
    "request_id",
    "call_type",
    "startTime",
    "endTime",
    "model",
    "model_group",
    "custom_llm_provider",
    "spend",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "api_key",
    "user",
    "end_user",
    "team_id",
    "session_id",
    "request_tags",
    "metadata",
    "status",
    "cache_hit",
    "messages",
    "response",
)
LITELLM_MISPRICING_RULE = (
    "LiteLLM spend = list price (no negotiated discounts from seeds/price_overrides.csv), and for "
    "Anthropic-family models (anthropic claude-* and Bedrock anthropic.claude-*) cache read tokens are "
    "priced at the full input price instead of the cache read price; every other token type is priced "
    "as genai-prices prices it. spend is a float rounded to 12 significant digits."
)
SERVICE_USER = {"production": "svc-mail-backend", "staging": "svc-mail-backend-staging"}


def _api_key_hash(environment: str) -> str:
    return hashlib.sha256(f"sk-litellm-{environment}-7f3a".encode()).hexdigest()


def litellm_spend(lookups: Lookups, day: DayCalls, calls: np.ndarray) -> list[float]:
    """LiteLLM's own spend estimate per call (float, as LiteLLM stores it), with its pricing gaps."""
    spend = np.zeros(calls.size, dtype=np.float64)
    model_of = day.call_model[calls]
    epoch_day = day.call_start_us[calls] // DAY_US
    exclusive = np.stack(
        [
            day.call_input[calls] - day.call_cache_read[calls] - day.call_cache_write[calls],
            day.call_cache_read[calls],
            day.call_cache_write[calls] - day.call_cache_write_1h[calls],
            day.call_cache_write_1h[calls],
            day.call_output[calls],
        ],
        axis=1,
    ).astype(np.float64)
    for model_index, day_number in np.unique(np.stack([model_of, epoch_day], axis=1), axis=0).tolist():
        model = lookups.models[model_index]
        if model.billing is None:
            continue
        mask = (model_of == model_index) & (epoch_day == day_number)
        book = price_book(model, date(1970, 1, 1) + timedelta(days=day_number))
        tiers = book.tier_of(day.call_input[calls][mask])
        prices = np.array([[float(p[kind]) for kind in TOKEN_TYPES] for p in book.list_prices])
        if model.is_anthropic_family:
            prices[:, TOKEN_TYPES.index("cache_read")] = prices[:, TOKEN_TYPES.index("uncached_input")]
        spend[mask] = (exclusive[mask] * prices[tiers]).sum(axis=1) / 1e6
    return [float(f"{value:.12g}") for value in spend.tolist()]


def _timestamp(micros: int, *, csv_style: bool) -> str:
    moment = from_us(micros)
    text = moment.strftime("%Y-%m-%d %H:%M:%S.%f+00:00")
    return text if csv_style else text.replace(" ", "T", 1)


class LiteLLMDayWriter:
    def __init__(self, lookups: Lookups, day: DayCalls) -> None:
        self.lookups = lookups
        self.day = day

    def rows(self, calls: np.ndarray) -> list[dict[str, object]]:
        day, lk = self.day, self.lookups
        if calls.size == 0:
            return []
        hi, lo = call_words(lk.seed, day.call_global[calls])
        request_ids = ids.uuid_strings(hi, lo, prefix=b"chatcmpl-").to_pylist()
        request_id_of = dict(zip(calls.tolist(), request_ids, strict=True))
        # Parents (roots) of children in this set are in the same tree, so in the same source and file.
        trees = day.call_tree[calls]
        t_hi, t_lo = trace_id_words(lk.seed, day.tree_global[trees])
        tagged = is_tagged(day, calls).tolist()
        spend = litellm_spend(lk, day, calls)
        trace_hex = [f"{a:016x}{b:016x}" for a, b in zip(t_hi.tolist(), t_lo.tolist(), strict=True)]
        return [
            self._row(call, request_id_of, trace_hex[k], tagged[k], spend[k]) for k, call in enumerate(calls.tolist())
        ]

    def _row(
        self, call: int, request_id_of: dict[int, str], trace_hex: str, tagged: bool, spend: float
    ) -> dict[str, object]:
        day, lk = self.day, self.lookups
        tree = int(day.call_tree[call])
        model = lk.models[day.call_model[call]]
        environment = lk.environment(int(day.tree_env[tree]))
        feature = FEATURES[day.tree_feature[tree]]
        inp, out = int(day.call_input[call]), int(day.call_output[call])
        read, write, write_1h = (
            int(day.call_cache_read[call]),
            int(day.call_cache_write[call]),
            int(day.call_cache_write_1h[call]),
        )
        usage: dict[str, object] = {
            "completion_tokens": out,
            "prompt_tokens": inp,
            "total_tokens": inp + out,
            "prompt_tokens_details": {"cached_tokens": read},
            "cache_read_input_tokens": read,
        }
        if model.reasoning_ratio:
            usage["completion_tokens_details"] = {"reasoning_tokens": int(day.call_reasoning[call])}
        if model.is_anthropic_family:
            usage["cache_creation_input_tokens"] = write
            usage["cache_creation_input_token_details"] = {
                "ephemeral_5m_input_tokens": write - write_1h,
                "ephemeral_1h_input_tokens": write_1h,
            }
        root = int(day.tree_first_call[tree])
        metadata = {
            "usage_object": usage,
            "trace_id": trace_hex,
            "parent_request_id": request_id_of[root] if call != root else None,
            "attempt": int(day.call_attempt[call]),
            "environment": environment,
        }
        label = lk.feature_labels[day.tree_label[tree]]
        tenant = lk.tenant_ids[day.tree_tenant[tree]]
        plan = lk.plan(int(day.tree_plan[tree]))
        ok = bool(day.call_ok[call])
        prompt, answer = FAKE_CONTENT[feature.feature_id]
        start = int(day.call_start_us[call])
        return {
            "request_id": request_id_of[call],
            "call_type": "acompletion",
            "startTime": start,
            "endTime": start + int(day.call_latency_ms[call]) * 1000,
            "model": model.litellm_model,
            "model_group": model.litellm_model_group,
            "custom_llm_provider": model.litellm_provider,
            "spend": spend,
            "prompt_tokens": inp,
            "completion_tokens": out,
            "total_tokens": inp + out,
            "api_key": _api_key_hash(environment),
            "user": SERVICE_USER[environment],
            "end_user": lk.user_ids[day.tree_user[tree]] if tagged else None,
            "team_id": tenant if tagged else None,
            "session_id": f"sess_{int(day.tree_session[tree]):016x}" if tagged else None,
            "request_tags": [f"feature:{label}", f"tenant:{tenant}", f"plan:{plan}"] if tagged else [],
            "metadata": metadata,
            "status": "success" if ok else "failure",
            "cache_hit": "False",
            "messages": [
                {"role": "system", "content": "You are a mail assistant."},
                {"role": "user", "content": prompt},
            ],
            "response": {"choices": [{"message": {"role": "assistant", "content": answer}}]} if ok else {},
        }


def _csv_text(rows: list[dict[str, object]]) -> list[str]:
    """One CSV line per row (no field holds a newline, so splitting the buffer on newlines is exact)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([_csv_cell(key, row[key]) for key in COLUMNS] for row in rows)
    return buffer.getvalue().split("\n")[:-1]


def _csv_cell(key: str, value: object) -> str:
    if value is None:
        return ""
    if key in ("startTime", "endTime") and isinstance(value, int):
        return _timestamp(value, csv_style=True)
    if isinstance(value, (dict, list)):
        return compact_json(value)
    return str(value)


def _json_text(rows: list[dict[str, object]]) -> list[str]:
    out = []
    for row in rows:
        record = dict(row)
        for key in ("startTime", "endTime"):
            if isinstance(record[key], int):
                record[key] = _timestamp(int(record[key]), csv_style=False)
        out.append(compact_json({key: record[key] for key in COLUMNS}))
    return out


def write_litellm_day(
    root: Path, relative: str, writer: LiteLLMDayWriter, calls: np.ndarray, *, bad_reasons: list[str], as_csv: bool
) -> tuple[FileRecord, list[BadRecord]]:
    rows = writer.rows(calls)
    to_text = _csv_text if as_csv else _json_text
    lines = to_text(rows)
    inserts: list[tuple[int, str, BadRecord]] = []
    for k, reason in enumerate(bad_reasons):
        if not rows:
            break
        position = int((k + 1) * len(rows) / (len(bad_reasons) + 1))
        base = rows[(k * 7919) % len(rows)]
        bad = {**base, "request_id": f"chatcmpl-bad-{k:02d}-{base['request_id'][-12:]}"}
        detail = ""
        if reason == "malformed_json":
            text = to_text([bad])[0]
            text = text[: len(text) // 2]
            detail = "JSON line cut off mid-object"
        elif reason == "negative_tokens":
            bad["completion_tokens"] = -int(base["completion_tokens"]) or -7
            bad["total_tokens"] = int(bad["prompt_tokens"]) + int(bad["completion_tokens"])
            text, detail = to_text([bad])[0], f"completion_tokens = {bad['completion_tokens']}"
        elif reason == "token_semantics_conflict":
            usage = dict(base["metadata"]["usage_object"])  # type: ignore[index]
            usage["cache_read_input_tokens"] = int(base["prompt_tokens"]) + 250
            usage["prompt_tokens_details"] = {"cached_tokens": usage["cache_read_input_tokens"]}
            bad["metadata"] = {**base["metadata"], "usage_object": usage}  # type: ignore[dict-item]
            text = to_text([bad])[0]
            detail = "metadata.usage_object.cache_read_input_tokens exceeds prompt_tokens"
        elif reason == "duplicate_conflicting":
            original = min(range(len(rows)), key=lambda i: (int(rows[i]["total_tokens"]), i))
            base = rows[original]
            bad = {**base, "completion_tokens": int(base["completion_tokens"]) + 40}
            bad["total_tokens"] = int(bad["prompt_tokens"]) + int(bad["completion_tokens"])
            text = to_text([bad])[0]
            position = max(position, original + 1)
            detail = "same request_id as an earlier row, different completion_tokens; the earlier row is genuine"
        elif reason == "identical_duplicate":
            original = (k * 104729) % len(rows)
            text = lines[original]
            bad = base = rows[original]
            position = max(position, original + 1)
            detail = "the same row exported twice"
        elif reason == "bad_timestamp":
            bad["startTime"] = "2026-08-32 25:61:00"
            text = to_text([bad])[0]
            detail = "startTime is not a valid timestamp"
        else:
            raise ValueError(reason)
        expected = "dropped_and_counted" if reason == "identical_duplicate" else "quarantined"
        record = BadRecord("litellm", reason, expected, detail, str(bad["request_id"]))
        if reason in ("duplicate_conflicting", "identical_duplicate"):
            record.extra["duplicate_of_item"] = original
        inserts.append((position, text, record))
    header_lines = 1 if as_csv else 0
    final, position_of_item = interleave(lines, inserts, relative, header_lines=header_lines)
    bad_records = [record for _p, _t, record in inserts]
    for record in bad_records:
        if "duplicate_of_item" in record.extra:
            position = position_of_item[int(record.extra.pop("duplicate_of_item"))]
            record.extra["duplicate_of_row" if as_csv else "duplicate_of_line"] = position
    header = [",".join(COLUMNS)] if as_csv else []
    text = "\n".join(header + final) + "\n"
    write_bytes(root / relative, text.encode())
    return (
        FileRecord(
            relative,
            "litellm_csv" if as_csv else "litellm_jsonl",
            rows=len(final),
            calls=len(rows),
            trees=count_trees(writer.day, calls),
        ),
        bad_records,
    )
