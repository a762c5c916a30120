"""OTLP/JSON traces as the OpenTelemetry Collector file exporter writes them: one ExportTraceServiceRequest
per line, spans grouped by resource (service + environment) and instrumentation scope.

A tree is a SERVER root span (the user action, tagged), for agents an INTERNAL 'invoke_agent' span, and
CLIENT LLM spans with gen_ai.* attributes — most of them untagged, so attribution must walk to the root.
Lines are rendered straight to JSON text (this is the hot loop of the generator); every string value
goes through json.dumps, so the text is always valid JSON.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from orchestration.generate import ids
from orchestration.generate.catalog import FEATURES, OTEL_SCOPES, SERVER_ADDRESSES
from orchestration.generate.records import (
    FAKE_CONTENT,
    BadRecord,
    FileRecord,
    Lookups,
    call_words,
    compact_json,
    interleave,
    trace_id_words,
    write_bytes,
)
from orchestration.generate.workload import DayCalls, to_us

BATCH_WINDOW_US = 60_000_000  # the batch processor flushes at least once a minute at this traffic...
BATCH_MAX_SPANS = 512  # ...or when a batch is full
CONTENT_SHARE = 0.1  # LLM spans that also carry gen_ai.input.messages / gen_ai.output.messages
INT_AS_NUMBER_SHARE = 0.3  # lines whose exporter wrote intValue as a JSON number instead of a string
LEGACY_SERVICE = "analytics-api"  # an older SDK: gen_ai.system and deployment.environment (pre-1.27 keys)
ROOT_SCOPE = ("opentelemetry.instrumentation.fastapi", "0.52b0")
AGENT_SCOPE = ("acme.agents", "1.4.0")
SCHEMA_URL = "https://opentelemetry.io/schemas/1.37.0"
FUTURE_TIMESTAMP = datetime(2099, 3, 1, 12, 0, tzinfo=UTC)
_dump = json.dumps


def _quote(text: str) -> str:
    """JSON string literal; the common case (plain printable ASCII, no quote or backslash) skips json.dumps."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return _dump(text)


def _attr(key: str, value: object, ints_as_strings: bool) -> str:
    if isinstance(value, str):
        body = f'{{"stringValue":{_quote(value)}}}'
    elif isinstance(value, bool):
        body = f'{{"boolValue":{"true" if value else "false"}}}'
    elif isinstance(value, int):
        body = f'{{"intValue":"{value}"}}' if ints_as_strings else f'{{"intValue":{value}}}'
    elif isinstance(value, float):
        body = f'{{"doubleValue":{value!r}}}'
    else:  # a list of strings
        items = ",".join(f'{{"stringValue":{_quote(item)}}}' for item in value)  # type: ignore[union-attr]
        body = f'{{"arrayValue":{{"values":[{items}]}}}}'
    return f'{{"key":"{key}","value":{body}}}'


def _attributes(pairs: list[tuple[str | None, object]], ints_as_strings: bool) -> str:
    """Render attributes; a (None, text) pair is an already rendered fragment (string values only)."""
    return ",".join(
        str(value) if key is None else _attr(key, value, ints_as_strings) for key, value in pairs if value is not None
    )


def _fragment(pairs: list[tuple[str, str]]) -> tuple[None, str]:
    return None, _attributes(pairs, ints_as_strings=True)  # type: ignore[arg-type]


FINISH_STOP = (None, _attr("gen_ai.response.finish_reasons", ["stop"], True))


@dataclass
class Span:
    service: str
    environment: str
    scope: tuple[str, str]
    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    kind: int
    start_nanos: str
    end_nanos: str
    pairs: list[tuple[str | None, object]]
    status: str = "{}"

    def render(self, ints_as_strings: bool) -> str:
        parent = f'"parentSpanId":"{self.parent_id}",' if self.parent_id else ""
        return (
            f'{{"traceId":"{self.trace_id}","spanId":"{self.span_id}",{parent}"name":{_quote(self.name)},'
            f'"kind":{self.kind},"startTimeUnixNano":{_quote(self.start_nanos)},'
            f'"endTimeUnixNano":{_quote(self.end_nanos)},'
            f'"attributes":[{_attributes(self.pairs, ints_as_strings)}],"status":{self.status}}}'
        )


def _nanos(micros: int) -> str:
    return str(int(micros) * 1000)


def request_line(spans: list[Span], ints_as_strings: bool) -> str:
    """One ExportTraceServiceRequest: resources and scopes in first-seen order (deterministic)."""
    resources: dict[tuple[str, str], dict[tuple[str, str], list[str]]] = {}
    for span in spans:
        scopes = resources.setdefault((span.service, span.environment), {})
        scopes.setdefault(span.scope, []).append(span.render(ints_as_strings))
    parts = []
    for (service, environment), scopes in resources.items():
        env_key = "deployment.environment" if service == LEGACY_SERVICE else "deployment.environment.name"
        resource = _attributes(
            [
                ("service.name", service),
                ("service.version", "2026.8.3"),
                (env_key, environment),
                ("telemetry.sdk.language", "python"),
                ("telemetry.sdk.name", "opentelemetry"),
                ("telemetry.sdk.version", "1.36.0"),
            ],
            ints_as_strings,
        )
        scope_parts = ",".join(
            f'{{"scope":{{"name":"{name}","version":"{version}"}},"spans":[{",".join(bodies)}]}}'
            for (name, version), bodies in scopes.items()
        )
        parts.append(
            f'{{"resource":{{"attributes":[{resource}]}},"scopeSpans":[{scope_parts}],"schemaUrl":"{SCHEMA_URL}"}}'
        )
    return f'{{"resourceSpans":[{",".join(parts)}]}}'


class OtlpDayWriter:
    """Builds the spans of one day's OTLP trees and renders them as Collector file-exporter lines."""

    def __init__(self, lookups: Lookups, day: DayCalls, rng: np.random.Generator) -> None:
        self.lookups = lookups
        self.day = day
        self.rng = rng
        self.with_content = rng.random(day.calls) < CONTENT_SHARE
        self._tag_cache: dict[int, tuple[None, str]] = {}
        self._model_cache: dict[tuple[int, bool], tuple[None, str]] = {}

    def _tags(self, tree: int) -> tuple[None, str]:
        """The five tags of a tree, rendered once and reused by the root and every tagged call."""
        if tree not in self._tag_cache:
            day, lk = self.day, self.lookups
            self._tag_cache[tree] = _fragment(
                [
                    ("app.feature", lk.feature_labels[day.tree_label[tree]]),
                    ("app.tenant.id", lk.tenant_ids[day.tree_tenant[tree]]),
                    ("user.id", lk.user_ids[day.tree_user[tree]]),
                    ("app.plan.tier", lk.plan(int(day.tree_plan[tree]))),
                    ("session.id", f"sess_{int(day.tree_session[tree]):016x}"),
                ]
            )
        return self._tag_cache[tree]

    def _model_attributes(self, model_index: int, legacy: bool) -> tuple[None, str]:
        key = (model_index, legacy)
        if key not in self._model_cache:
            model = self.lookups.models[model_index]
            self._model_cache[key] = _fragment(
                [
                    ("gen_ai.operation.name", "chat"),
                    ("gen_ai.system" if legacy else "gen_ai.provider.name", model.otel_provider),
                    ("gen_ai.request.model", model.request_model),
                    ("server.address", SERVER_ADDRESSES[model.otel_provider]),
                ]
            )
        return self._model_cache[key]

    def tree_spans(
        self, tree: int, trace_hex: str, root_id: str, agent_id: str, call_hex: dict[int, str]
    ) -> list[Span]:
        day, lk = self.day, self.lookups
        feature = FEATURES[day.tree_feature[tree]]
        environment = lk.environment(int(day.tree_env[tree]))
        label = lk.feature_labels[day.tree_label[tree]]
        first = int(day.tree_first_call[tree])
        last = first + int(day.tree_calls[tree]) - 1
        failed = not bool(day.call_ok[last])
        spans = [
            Span(
                feature.service,
                environment,
                ROOT_SCOPE,
                trace_hex,
                root_id,
                None,
                f"POST /api/{label}",
                2,
                _nanos(day.tree_start_us[tree]),
                _nanos(day.tree_end_us[tree]),
                [
                    ("http.request.method", "POST"),
                    ("http.route", f"/api/{label}"),
                    ("http.response.status_code", 502 if failed else 200),
                    self._tags(tree),
                ],
                '{"code":2,"message":"upstream LLM error"}' if failed else "{}",
            )
        ]
        parent_id = root_id
        if feature.agent_span:
            parent_id = agent_id
            spans.append(
                Span(
                    feature.service,
                    environment,
                    AGENT_SCOPE,
                    trace_hex,
                    agent_id,
                    root_id,
                    "invoke_agent support-agent",
                    1,
                    _nanos(day.tree_start_us[tree] + 1_000),
                    _nanos(day.tree_end_us[tree] - 1_000),
                    [("gen_ai.operation.name", "invoke_agent"), ("gen_ai.agent.name", "support-agent")],
                )
            )
        for call in range(first, last + 1):
            # The root span is the tagged carrier; only calls that propagated baggage repeat the tags.
            carries_tags = bool(day.call_child_tagged[call])
            spans.append(
                self.llm_span(call, trace_hex, call_hex[call], parent_id, tree=tree, carries_tags=carries_tags)
            )
        return spans

    def llm_span(
        self, call: int, trace_hex: str, span_id: str, parent_id: str | None, *, tree: int, carries_tags: bool
    ) -> Span:
        day, lk = self.day, self.lookups
        model_index = int(day.call_model[call])
        model = lk.models[model_index]
        feature = FEATURES[day.tree_feature[tree]]
        legacy = feature.service == LEGACY_SERVICE
        start = int(day.call_start_us[call])
        ok = bool(day.call_ok[call])
        pairs: list[tuple[str | None, object]] = [
            self._model_attributes(model_index, legacy),
            ("gen_ai.response.model", model.response_model if ok else None),
            ("gen_ai.response.id", f"resp_{span_id}{trace_hex[:8]}" if ok else None),
            ("gen_ai.request.max_tokens", 4096),
            ("gen_ai.request.temperature", 0.2 if call % 2 else 0.7),
            ("gen_ai.usage.input_tokens", int(day.call_input[call])),
            ("gen_ai.usage.output_tokens", int(day.call_output[call])),
        ]
        if model.cache_mode != "none":
            pairs.append(("gen_ai.usage.cache_read.input_tokens", int(day.call_cache_read[call])))
        if model.cache_mode == "explicit_rw":
            pairs.append(("gen_ai.usage.cache_creation.input_tokens", int(day.call_cache_write[call])))
            pairs.append(("gen_ai.usage.cache_creation.ephemeral_1h.input_tokens", int(day.call_cache_write_1h[call])))
        if model.reasoning_ratio:
            pairs.append(("gen_ai.usage.reasoning.output_tokens", int(day.call_reasoning[call])))
        if ok:
            pairs.append(FINISH_STOP)
        pairs.append(("app.retry.attempt", int(day.call_attempt[call])))
        if not ok:
            pairs.append(("error.type", "timeout" if call % 3 else "500"))
        if carries_tags:
            pairs.append(self._tags(tree))
        if self.with_content[call]:
            prompt, answer = FAKE_CONTENT[feature.feature_id]
            user_message = [{"role": "user", "parts": [{"type": "text", "content": prompt}]}]
            assistant_message = [{"role": "assistant", "parts": [{"type": "text", "content": answer}]}]
            pairs.append(("gen_ai.input.messages", compact_json(user_message)))
            pairs.append(("gen_ai.output.messages", compact_json(assistant_message)))
        return Span(
            feature.service,
            lk.environment(int(day.tree_env[tree])),
            OTEL_SCOPES[model.otel_provider],
            trace_hex,
            span_id,
            parent_id,
            f"chat {model.request_model}",
            3,
            _nanos(start),
            _nanos(start + int(day.call_latency_ms[call]) * 1000),
            pairs,
            "{}" if ok else '{"code":2,"message":"request timed out"}',
        )

    def _batches(self, trees: np.ndarray) -> list[np.ndarray]:
        """Group trees into export batches: a minute's worth of traffic, at most BATCH_MAX_SPANS spans."""
        day = self.day
        agent = np.array([f.agent_span for f in FEATURES])[day.tree_feature[trees]]
        span_counts = (1 + agent + day.tree_calls[trees]).tolist()
        starts = day.tree_start_us[trees].tolist()
        batches, current, batch_start, batch_spans = [], [], 0, 0
        for position, (start, spans) in enumerate(zip(starts, span_counts, strict=True)):
            if current and (start - batch_start >= BATCH_WINDOW_US or batch_spans + spans > BATCH_MAX_SPANS):
                batches.append(current)
                current, batch_spans = [], 0
            if not current:
                batch_start = start
            current.append(position)
            batch_spans += spans
        if current:
            batches.append(current)
        return [np.array(batch, dtype=np.int64) for batch in batches]

    def build_lines(self, trees: np.ndarray) -> tuple[list[str], list[int], list[int]]:
        """The file's lines; also each line's tree count and LLM call count."""
        day, lk = self.day, self.lookups
        if trees.size == 0:
            return [], [], []
        hi, lo = trace_id_words(lk.seed, day.tree_global[trees])
        tree_counters = day.tree_global[trees].astype(np.uint64)
        root_words = ids.hashed(lk.seed, ids.STREAM_ROOT_SPAN, tree_counters)
        agent_words = ids.hashed(lk.seed, ids.STREAM_AGENT_SPAN, tree_counters)
        trace_hex = [f"{a:016x}{b:016x}" for a, b in zip(hi.tolist(), lo.tolist(), strict=True)]
        root_hex = [f"{w:016x}" for w in root_words.tolist()]
        agent_hex = [f"{w:016x}" for w in agent_words.tolist()]
        call_index = np.concatenate(
            [np.arange(day.tree_first_call[t], day.tree_first_call[t] + day.tree_calls[t]) for t in trees]
        )
        span_words, _ = call_words(lk.seed, day.call_global[call_index])
        call_hex = {c: f"{w:016x}" for c, w in zip(call_index.tolist(), span_words.tolist(), strict=True)}

        batches = self._batches(trees)
        number_lines = self.rng.random(len(batches)) < INT_AS_NUMBER_SHARE
        lines, tree_counts, call_counts = [], [], []
        for batch, ints_as_numbers in zip(batches, number_lines.tolist(), strict=True):
            spans: list[Span] = []
            for position in batch.tolist():
                tree = int(trees[position])
                spans += self.tree_spans(tree, trace_hex[position], root_hex[position], agent_hex[position], call_hex)
            lines.append(request_line(spans, ints_as_strings=not ints_as_numbers))
            tree_counts.append(len(batch))
            call_counts.append(int(day.tree_calls[trees[batch]].sum()))
        return lines, tree_counts, call_counts

    def bad_line(self, reason: str, tree: int, record_seq: int) -> tuple[str, str]:
        """A line holding one self-contained LLM span (a new call, not elsewhere) with the defect."""
        day, lk = self.day, self.lookups
        words = ids.hashed(lk.seed, ids.STREAM_BAD, np.array([record_seq * 2, record_seq * 2 + 1], np.uint64))
        trace_hex = f"{int(words[0]):016x}{int(words[1]):016x}"
        span_id = f"{int(words[1]):016x}"
        call = int(day.tree_first_call[tree])
        span = self.llm_span(call, trace_hex, span_id, None, tree=tree, carries_tags=True)
        span.pairs = [p for p in span.pairs if p[0] not in ("gen_ai.input.messages", "gen_ai.output.messages")]
        if reason == "token_semantics_conflict":
            inp = int(day.call_input[call])
            span.pairs = [(k, v) for k, v in span.pairs if k != "gen_ai.usage.cache_read.input_tokens"]
            span.pairs.append(("gen_ai.usage.cache_read.input_tokens", inp + 100))
        elif reason == "future_timestamp":
            micros = to_us(FUTURE_TIMESTAMP)
            span.start_nanos, span.end_nanos = _nanos(micros), _nanos(micros + 900_000)
        elif reason == "bad_timestamp":
            span.start_nanos = "2026-08-03T10:15:00.000Z"  # an exporter bug: an ISO string where unix nanos belong
        line = request_line([span], ints_as_strings=True)
        if reason == "malformed_json":
            line = line[: math.floor(len(line) * 0.6)]  # a line cut off mid-write
        return line, span_id


BAD_DETAILS = {
    "malformed_json": "line cut off mid-object (the collector was killed while writing)",
    "token_semantics_conflict": "gen_ai.usage.cache_read.input_tokens exceeds gen_ai.usage.input_tokens",
    "future_timestamp": f"startTimeUnixNano is {FUTURE_TIMESTAMP.isoformat()}",
    "bad_timestamp": "startTimeUnixNano holds an ISO string, not unix nanoseconds",
}


def write_otlp_day(
    root: Path,
    relative: str,
    writer: OtlpDayWriter,
    trees: np.ndarray,
    *,
    bad_reasons: list[str],
    bad_seq_start: int,
    gzip_it: bool,
) -> tuple[FileRecord, list[BadRecord], list[str], list[int]]:
    """Write one day's OTLP file; returns its record, the bad records placed in it, its good lines and
    their 1-based line numbers in the file."""
    lines, tree_counts, call_counts = writer.build_lines(trees)
    inserts: list[tuple[int, str, BadRecord]] = []
    n_good = len(lines)
    for k, reason in enumerate(bad_reasons):
        if trees.size == 0:
            break
        if reason == "identical_duplicate":
            # A Collector retry re-sends a whole batch; pick a one-tree batch so the duplicate is small.
            singles = [i for i, count in enumerate(tree_counts) if count == 1] or list(range(n_good))
            source_line = singles[len(singles) // 3]
            record = BadRecord(
                "otlp",
                "identical_duplicate",
                "dropped_and_counted",
                "Collector retry re-sent an earlier line verbatim",
                extra={"duplicate_of_line": source_line, "duplicated_llm_calls": call_counts[source_line]},
            )
            inserts.append((min(source_line + 3, n_good), lines[source_line], record))
            continue
        tree = int(trees[(k * 7919) % trees.size])
        text, span_id = writer.bad_line(reason, tree, bad_seq_start + k)
        position = int((k + 1) * n_good / (len(bad_reasons) + 1))
        inserts.append((position, text, BadRecord("otlp", reason, "quarantined", BAD_DETAILS[reason], span_id)))
    final, line_of_item = interleave(lines, inserts, relative)
    bad_records = [record for _position, _text, record in inserts]
    for record in bad_records:
        if "duplicate_of_line" in record.extra:
            original = line_of_item[int(record.extra["duplicate_of_line"])]
            record.extra["duplicate_of_line"] = original
            record.detail = f"Collector retry re-sent line {original} verbatim"
    data = ("\n".join(final) + "\n").encode() if final else b""
    write_bytes(root / relative, data, gzip_it=gzip_it)
    file_record = FileRecord(
        relative,
        "otlp",
        rows=len(final),
        calls=int(sum(call_counts)),
        trees=int(sum(tree_counts)),
        extra={"gzip": gzip_it},
    )
    return file_record, bad_records, lines, line_of_item
