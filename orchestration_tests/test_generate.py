"""The sample workload generator: determinism, real formats, and invoices that agree with calc_price.

Every expectation is computed here from the files the generator wrote — calls are re-read from OTLP,
LiteLLM and canonical files with this module's own parsers and priced with genai_prices.calc_price — never
taken from generator internals.
"""

from __future__ import annotations

import csv
import gzip
import itertools
import json
import re
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from genai_prices import Usage, calc_price
from genai_prices.data_snapshot import get_snapshot

from orchestration.generate import generate_workload

REPO = Path(__file__).resolve().parent.parent
SAMPLE = {"calls": 4000, "days": 61, "tenants": 12, "seed": 11}
LOAD_TIME = datetime(2026, 10, 2, tzinfo=UTC)  # a nightly run just after the period
HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
LITELLM_COLUMNS = [
    "request_id", "call_type", "startTime", "endTime", "model", "model_group", "custom_llm_provider", "spend",
    "prompt_tokens", "completion_tokens", "total_tokens", "api_key", "user", "end_user", "team_id", "session_id",
    "request_tags", "metadata", "status", "cache_hit", "messages", "response",
]  # fmt: skip
CANONICAL_COLUMNS = [
    "call_id", "trace_id", "parent_call_id", "started_at", "environment", "provider", "model", "response_model",
    "operation", "feature", "tenant_id", "user_id", "session_id", "plan_tier", "attempt", "status", "input_tokens",
    "cache_read_tokens", "cache_write_tokens", "cache_write_1h_tokens", "output_tokens", "reasoning_tokens",
    "latency_ms",
]  # fmt: skip
FOCUS_10_COLUMNS = [
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd",
    "ChargePeriodStart", "CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountName",
    "CommitmentDiscountStatus", "CommitmentDiscountType", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
    "ContractedUnitPrice", "EffectiveCost", "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCategory",
    "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "RegionId", "RegionName", "ResourceId",
    "ResourceName", "ResourceType", "ServiceCategory", "Id", "ServiceName", "SkuId", "SkuPriceId", "SubAccountId",
    "SubAccountName", "Tags",
]  # fmt: skip
OTLP_VALUE_KINDS = {"stringValue", "intValue", "doubleValue", "boolValue", "arrayValue"}
CONTENT_KEYS = {"gen_ai.input.messages", "gen_ai.output.messages"}


@dataclass
class Call:
    source: str
    call_id: str
    trace_id: str
    parent: str | None
    started_at: datetime
    environment: str
    provider: str
    model: str
    input_tokens: int
    cache_read: int
    cache_write: int
    cache_write_1h: int
    output: int
    feature: str | None
    tenant: str | None
    user: str | None
    file: str
    position: int  # 1-based line (JSON lines, CSV incl. header) or row (Parquet)

    def content(self) -> tuple:
        return (self.started_at, self.model, self.input_tokens, self.cache_read, self.cache_write, self.output)


@dataclass
class Rejected:
    file: str
    position: int
    reason: str


def _files(root: Path, pattern: str) -> list[Path]:
    return sorted(p for p in root.glob(pattern) if p.is_file())


def _otlp_value(value: dict) -> object:
    (kind, raw), *rest = value.items()
    assert not rest and kind in OTLP_VALUE_KINDS, value
    if kind == "intValue":
        assert isinstance(raw, int) or (isinstance(raw, str) and re.fullmatch(r"-?\d+", raw)), raw
        return int(raw)
    if kind == "arrayValue":
        return [_otlp_value(v) for v in raw["values"]]
    return raw


def _token_problem(inp: int, read: int, write: int, out: int, started: datetime | None) -> str | None:
    if started is None:
        return "bad_timestamp"
    if min(inp, read, write, out) < 0:
        return "negative_tokens"
    if read + write > inp:
        return "token_semantics_conflict"
    if started > LOAD_TIME + timedelta(days=1):
        return "future_timestamp"
    return None


def _nanos_to_datetime(text: object) -> datetime | None:
    if not (isinstance(text, str) and text.isdigit()):
        return None
    micros = int(text) // 1000
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)


@dataclass
class Parsed:
    calls: list[Call]
    rejected: list[Rejected]
    identical_duplicates: list[tuple[str, int]]
    roots: dict[str, dict]  # trace id -> tags of the root (feature, tenant, user, env)
    otlp_spans: list[dict]
    unreadable: list[str]
    int_kinds: Counter


def _read_otlp(root: Path, parsed: Parsed, seen: dict) -> None:
    for path in _files(root, "traces/otlp/**/*.jsonl*"):
        relative = path.relative_to(root).as_posix()
        try:
            text = (gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()).decode()
        except (EOFError, OSError, zlib.error):
            parsed.unreadable.append(relative)
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            try:
                request = json.loads(line)
            except json.JSONDecodeError:
                parsed.rejected.append(Rejected(relative, number, "malformed_json"))
                continue
            for kind in re.findall(r'"intValue":("?)', line):
                parsed.int_kinds["string" if kind else "number"] += 1
            for resource_spans in request["resourceSpans"]:
                resource = {a["key"]: _otlp_value(a["value"]) for a in resource_spans["resource"]["attributes"]}
                environment = resource.get("deployment.environment.name", resource.get("deployment.environment"))
                for scope_spans in resource_spans["scopeSpans"]:
                    assert isinstance(scope_spans["scope"]["name"], str)
                    for span in scope_spans["spans"]:
                        attrs = {a["key"]: _otlp_value(a["value"]) for a in span["attributes"]}
                        parsed.otlp_spans.append({"span": span, "attrs": attrs, "environment": environment})
                        _otlp_span(parsed, seen, (relative, number), span, attrs=attrs, env=environment)


def _otlp_span(parsed: Parsed, seen: dict, where: tuple[str, int], span: dict, *, attrs: dict, env: str) -> None:
    relative, number = where
    started = _nanos_to_datetime(span["startTimeUnixNano"])
    if "parentSpanId" not in span and "gen_ai.usage.input_tokens" not in attrs:
        parsed.roots[span["traceId"]] = {
            "feature": attrs.get("app.feature"),
            "tenant": attrs.get("app.tenant.id"),
            "user": attrs.get("user.id"),
            "environment": env,
        }
    if "gen_ai.usage.input_tokens" not in attrs:
        return
    call = Call(
        source="otlp",
        call_id=span["spanId"],
        trace_id=span["traceId"],
        parent=span.get("parentSpanId"),
        started_at=started,  # type: ignore[arg-type]
        environment=env,
        provider=str(attrs.get("gen_ai.provider.name", attrs.get("gen_ai.system"))),
        model=str(attrs["gen_ai.request.model"]),
        input_tokens=int(attrs["gen_ai.usage.input_tokens"]),
        cache_read=int(attrs.get("gen_ai.usage.cache_read.input_tokens", 0)),
        cache_write=int(attrs.get("gen_ai.usage.cache_creation.input_tokens", 0)),
        cache_write_1h=int(attrs.get("gen_ai.usage.cache_creation.ephemeral_1h.input_tokens", 0)),
        output=int(attrs["gen_ai.usage.output_tokens"]),
        feature=attrs.get("app.feature"),
        tenant=attrs.get("app.tenant.id"),
        user=attrs.get("user.id"),
        file=relative,
        position=number,
    )
    _accept(parsed, seen, call)


def _accept(parsed: Parsed, seen: dict, call: Call) -> None:
    problem = _token_problem(call.input_tokens, call.cache_read, call.cache_write, call.output, call.started_at)
    if problem:
        parsed.rejected.append(Rejected(call.file, call.position, problem))
        return
    if call.call_id in seen:
        if seen[call.call_id].content() == call.content():
            parsed.identical_duplicates.append((call.file, call.position))
        else:
            parsed.rejected.append(Rejected(call.file, call.position, "duplicate_conflicting"))
        return
    seen[call.call_id] = call
    parsed.calls.append(call)


def _iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _read_litellm(root: Path, parsed: Parsed, seen: dict) -> None:
    for path in _files(root, "traces/litellm/**/*"):
        relative = path.relative_to(root).as_posix()
        if path.suffix == ".csv":
            with path.open(newline="") as handle:
                reader = csv.DictReader(handle)
                assert reader.fieldnames == LITELLM_COLUMNS
                records = [(number + 2, row) for number, row in enumerate(reader)]
        else:
            records = []
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    parsed.rejected.append(Rejected(relative, number, "malformed_json"))
                    continue
                assert list(row) == LITELLM_COLUMNS
                records.append((number, row))
        for number, row in records:
            _litellm_row(parsed, seen, relative, number, row)


def _litellm_row(parsed: Parsed, seen: dict, relative: str, number: int, row: dict) -> None:
    as_json = {
        k: (json.loads(v) if isinstance(v, str) and k in ("request_tags", "metadata") else v) for k, v in row.items()
    }
    metadata, tags = as_json["metadata"], as_json["request_tags"]
    assert isinstance(tags, list) and isinstance(metadata, dict)
    assert row["status"] in ("success", "failure")
    usage = metadata["usage_object"]
    tag = dict(t.split(":", 1) for t in tags)
    trace_id = metadata["trace_id"]
    if metadata["parent_request_id"] in (None, ""):
        parsed.roots[trace_id] = {
            "feature": tag.get("feature"),
            "tenant": tag.get("tenant"),
            "user": row["end_user"] or None,
            "environment": metadata["environment"],
        }
    details = usage.get("cache_creation_input_token_details") or {}
    call = Call(
        source="litellm",
        call_id=row["request_id"],
        trace_id=trace_id,
        parent=metadata["parent_request_id"],
        started_at=_iso(str(row["startTime"])),  # type: ignore[arg-type]
        environment=metadata["environment"],
        provider=row["custom_llm_provider"],
        model=row["model"],
        input_tokens=int(row["prompt_tokens"]),
        cache_read=int(usage.get("cache_read_input_tokens", 0)),
        cache_write=int(usage.get("cache_creation_input_tokens", 0)),
        cache_write_1h=int(details.get("ephemeral_1h_input_tokens", 0)),
        output=int(row["completion_tokens"]),
        feature=tag.get("feature"),
        tenant=tag.get("tenant"),
        user=row["end_user"] or None,
        file=relative,
        position=number,
    )
    _accept(parsed, seen, call)


def _read_canonical(root: Path, parsed: Parsed, seen: dict) -> None:
    for path in _files(root, "traces/canonical/**/*.parquet"):
        relative = path.relative_to(root).as_posix()
        table = pq.read_table(path)
        assert table.schema.names == CANONICAL_COLUMNS
        for number, row in enumerate(table.to_pylist(), start=1):
            if row["parent_call_id"] is None:
                parsed.roots[row["trace_id"]] = {
                    "feature": row["feature"],
                    "tenant": row["tenant_id"],
                    "user": row["user_id"],
                    "environment": row["environment"],
                }
            call = Call(
                source="canonical",
                call_id=row["call_id"],
                trace_id=row["trace_id"],
                parent=row["parent_call_id"],
                started_at=row["started_at"],
                environment=row["environment"],
                provider=row["provider"],
                model=row["model"],
                input_tokens=row["input_tokens"],
                cache_read=row["cache_read_tokens"],
                cache_write=row["cache_write_tokens"],
                cache_write_1h=row["cache_write_1h_tokens"],
                output=row["output_tokens"],
                feature=row["feature"],
                tenant=row["tenant_id"],
                user=row["user_id"],
                file=relative,
                position=number,
            )
            _accept(parsed, seen, call)


def parse_landing(root: Path) -> Parsed:
    parsed = Parsed([], [], [], {}, [], [], Counter())
    seen: dict[str, Call] = {}
    _read_otlp(root, parsed, seen)
    _read_litellm(root, parsed, seen)
    _read_canonical(root, parsed, seen)
    return parsed


def _overrides() -> list[dict[str, str]]:
    with (REPO / "seeds" / "price_overrides.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def price_calls(calls: list[Call]) -> tuple[dict[tuple[str, str, date], Decimal], dict, int]:
    """Billed cost per (provider id, model id, UTC day) with calc_price, then seeds/price_overrides.csv."""
    billed: dict[tuple[str, str, date], Decimal] = defaultdict(Decimal)
    listed: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    unpriced = 0
    overrides = _overrides()
    for call in calls:
        usage = Usage(
            input_tokens=call.input_tokens,
            cache_read_tokens=call.cache_read,
            cache_write_tokens=call.cache_write,
            cache_write_1h_tokens=call.cache_write_1h,
            output_tokens=call.output,
        )
        try:
            result = calc_price(usage, call.model, provider_id=call.provider, genai_request_timestamp=call.started_at)
        except LookupError:
            unpriced += 1
            continue
        day = call.started_at.astimezone(UTC).date()
        cost = result.total_price
        listed[(result.provider.id, result.model.id)] += cost
        for override in overrides:
            assert not any(override[c] for c in ("input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok"))
            if (override["provider_id"], override["model_id"]) == (
                result.provider.id,
                result.model.id,
            ) and date.fromisoformat(override["valid_from"]) <= day < (
                date.fromisoformat(override["valid_to"]) if override["valid_to"] else date.max
            ):
                cost *= Decimal(override["price_multiplier"])
        billed[(result.provider.id, result.model.id, day)] += cost
    return billed, listed, unpriced


def _model_id(model: str, provider: str) -> tuple[str, str]:
    found_provider, info = get_snapshot().find_provider_model(model, None, provider, None)
    return found_provider.id, info.id


def read_invoices(root: Path) -> tuple[dict[tuple[str, str, date], Decimal], Counter, list[tuple[str, int]]]:
    """Invoiced USD per (provider id, model id, day) from all three invoice formats, token charges only."""
    invoiced: dict[tuple[str, str, date], Decimal] = defaultdict(Decimal)
    lines: Counter = Counter()
    non_usd: list[tuple[str, int]] = []
    for path in _files(root, "invoices/openai/**/*.json"):
        page = json.loads(path.read_text())
        position = 0
        for bucket in page["data"]:
            day = datetime.fromtimestamp(bucket["start_time"], tz=UTC).date()
            for result in bucket["results"]:
                position += 1
                if result["amount"]["currency"] != "usd":
                    non_usd.append((path.relative_to(root).as_posix(), position))
                    continue
                model, _kind = result["line_item"].rsplit(", ", 1)
                key = (*_model_id(model, "openai"), day)
                invoiced[key] += Decimal(str(result["amount"]["value"]))
                lines[key] += 1
    for path in _files(root, "invoices/anthropic/**/*.json"):
        for bucket in json.loads(path.read_text())["data"]:
            day = date.fromisoformat(bucket["starting_at"][:10])
            for result in bucket["results"]:
                assert result["currency"] == "USD"
                if result["cost_type"] != "tokens":
                    continue
                key = (*_model_id(result["model"], "anthropic"), day)
                invoiced[key] += Decimal(result["amount"]) / 100
                lines[key] += 1
    for path in _files(root, "invoices/focus/**/*.csv"):
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                if row["ServiceName"] != "Amazon Bedrock":
                    continue
                model = row["ResourceId"].split("foundation-model/", 1)[1]
                key = (*_model_id(model, "aws.bedrock"), date.fromisoformat(row["ChargePeriodStart"][:10]))
                invoiced[key] += Decimal(row["BilledCost"])
                lines[key] += 1
    return invoiced, lines, non_usd


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, Parsed]:
    root = tmp_path_factory.mktemp("landing")
    manifest = generate_workload(root, **SAMPLE)
    return root, manifest, parse_landing(root)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_arguments_give_byte_identical_files(sample, tmp_path: Path) -> None:
    root, manifest, _ = sample
    again = generate_workload(tmp_path / "again", **SAMPLE)
    assert again == manifest
    assert _tree(tmp_path / "again") == _tree(root)
    other = generate_workload(tmp_path / "other", **{**SAMPLE, "seed": SAMPLE["seed"] + 1})
    assert other["metered_cost"]["calc_price_total_usd"] != manifest["metered_cost"]["calc_price_total_usd"]


def test_refuses_a_non_empty_folder_and_force_replaces_only_generated_data(tmp_path: Path) -> None:
    small = {"calls": 300, "days": 3, "tenants": 4, "seed": 3}
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        generate_workload(tmp_path, **small)
    generate_workload(tmp_path, **small, force=True)
    stale = tmp_path / "traces" / "otlp" / "stale.jsonl"
    stale.write_text("{}\n")
    steps: list[str] = []
    generate_workload(tmp_path, **small, force=True, progress=lambda step, done, total: steps.append(step))
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert not stale.exists()
    assert {"traces", "invoices", "product", "manifest"} <= set(steps)


def test_exactly_the_requested_number_of_calls(sample) -> None:
    _, manifest, parsed = sample
    assert len(parsed.calls) == SAMPLE["calls"]
    assert manifest["calls_total"] == SAMPLE["calls"]
    by_source = Counter(c.source for c in parsed.calls)
    assert {s: by_source[s] for s in ("otlp", "litellm", "canonical")} == {
        s: manifest["sources"][s]["calls"] for s in ("otlp", "litellm", "canonical")
    }
    assert 0.15 < by_source["litellm"] / len(parsed.calls) < 0.35  # ~25% through the gateway


def test_otlp_files_are_collector_export_requests(sample) -> None:
    root, manifest, parsed = sample
    assert parsed.unreadable == [manifest["truncated_gzip"]["file"]]
    assert {"string", "number"} <= set(parsed.int_kinds)  # intValue both ways, as in the wild
    assert any(p.suffix == ".gz" for p in _files(root, "traces/otlp/**/*"))
    llm, roots, content, untagged = 0, 0, 0, 0
    for item in parsed.otlp_spans:
        span, attrs = item["span"], item["attrs"]
        assert HEX32.match(span["traceId"]) and HEX16.match(span["spanId"])
        assert "parentSpanId" not in span or HEX16.match(span["parentSpanId"])
        assert isinstance(span["kind"], int) and isinstance(span["startTimeUnixNano"], str)
        assert item["environment"] in ("production", "staging")
        if "gen_ai.usage.input_tokens" in attrs:
            llm += 1
            assert span["name"] == f"chat {attrs['gen_ai.request.model']}"
            assert isinstance(attrs["app.retry.attempt"], int)
            content += bool(CONTENT_KEYS & set(attrs))
            untagged += "app.feature" not in attrs
        elif "parentSpanId" not in span:
            roots += 1
            assert span["name"].startswith("POST /api/") and "app.tenant.id" in attrs
        if _nanos_to_datetime(span["startTimeUnixNano"]) and _nanos_to_datetime(span["endTimeUnixNano"]):
            assert int(span["endTimeUnixNano"]) >= int(span["startTimeUnixNano"])
    assert roots > 0 and content > 0
    assert untagged > llm / 3  # most LLM spans rely on the root for attribution


def test_litellm_and_canonical_roots_are_tagged_and_children_point_at_them(sample) -> None:
    _, _, parsed = sample
    for source in ("litellm", "canonical"):
        calls = [c for c in parsed.calls if c.source == source]
        by_id = {c.call_id: c for c in calls}
        children = [c for c in calls if c.parent]
        assert all(c.feature and c.tenant and c.user for c in calls if not c.parent)
        assert children and all(by_id[c.parent].trace_id == c.trace_id for c in children)
        assert any(c.feature is None for c in children)


def test_cost_and_usage_pages_have_the_real_api_shapes(sample) -> None:
    root, _, _ = sample
    pages = _files(root, "invoices/openai/*.json")
    assert len(pages) > 1
    for index, path in enumerate(pages):
        page = json.loads(path.read_text())
        assert page["object"] == "page" and page["has_more"] == (index < len(pages) - 1)
        assert (page["next_page"] is None) == (not page["has_more"])
        for bucket in page["data"]:
            assert bucket["object"] == "bucket" and bucket["end_time"] - bucket["start_time"] == 86_400
            for result in bucket["results"]:
                assert result["object"] == "organization.costs.result"
                assert isinstance(result["amount"]["value"], float) and result["project_id"].startswith("proj_")
                assert re.fullmatch(r".+, (input|cached input|output)", result["line_item"])
    for path in _files(root, "invoices/anthropic/*.json"):
        for bucket in json.loads(path.read_text())["data"]:
            for result in bucket["results"]:
                assert set(result) >= {"currency", "amount", "workspace_id", "description", "cost_type", "model"}
                assert re.fullmatch(r"\d+\.\d+", result["amount"])  # cents, as a decimal string
                if result["cost_type"] == "tokens":
                    assert result["token_type"] in {
                        "uncached_input_tokens",
                        "output_tokens",
                        "cache_read_input_tokens",
                        "cache_creation.ephemeral_5m_input_tokens",
                        "cache_creation.ephemeral_1h_input_tokens",
                    }
                    assert result["context_window"] in ("0-200k", "200k-1M")
    for path in _files(root, "usage/openai/*.json"):
        for bucket in json.loads(path.read_text())["data"]:
            for result in bucket["results"]:
                assert result["object"] == "organization.usage.completions.result"
                assert result["input_cached_tokens"] <= result["input_tokens"] and result["batch"] is False
    for path in _files(root, "usage/anthropic/*.json"):
        for bucket in json.loads(path.read_text())["data"]:
            for result in bucket["results"]:
                assert set(result["cache_creation"]) == {"ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens"}
                assert isinstance(result["server_tool_use"]["web_search_requests"], int)


def test_focus_export_has_every_focus_10_column_and_mapped_bedrock_skus(sample) -> None:
    root, _, _ = sample
    usage_type = re.compile(
        r"^USE1-[A-Za-z0-9.-]+-(input-tokens|output-tokens|cache-read-input-token-count"
        r"|cache-write-input-token-count|cache-write-1h-input-token-count)$"
    )
    ai_rows = non_ai_rows = 0
    nova_pro_ratios = []
    for path in _files(root, "invoices/focus/**/*.csv"):
        lines = path.read_text().splitlines()
        assert lines[0].split(",") == [f'"{c}"' for c in [*FOCUS_10_COLUMNS, "x_UsageType"]]
        assert ",NULL," in lines[1]  # nulls are the literal NULL, unquoted
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                assert row["BillingCurrency"] == "USD"
                if row["ServiceName"] != "Amazon Bedrock":
                    non_ai_rows += 1
                    assert row["x_UsageType"] == "NULL"
                    assert row["ServiceCategory"] != "AI and Machine Learning"
                    continue
                ai_rows += 1
                assert row["ServiceCategory"] == "AI and Machine Learning" and row["ProviderName"] == "AWS"
                assert usage_type.match(row["x_UsageType"]), row["x_UsageType"]
                assert row["ChargeDescription"] == row["x_UsageType"]
                assert row["BilledCost"] == row["EffectiveCost"]
                if "nova-pro" in row["ResourceId"]:
                    nova_pro_ratios.append(Decimal(row["BilledCost"]) / Decimal(row["ListCost"]))
    assert ai_rows and non_ai_rows
    overrides = {(o["provider_id"], o["model_id"]): Decimal(o["price_multiplier"]) for o in _overrides()}
    expected = overrides[("aws", "amazon.nova-pro-v1:0")]
    assert nova_pro_ratios and all(abs(r - expected) < Decimal("1e-4") for r in nova_pro_ratios)


def test_invoices_equal_calc_price_of_all_calls_except_the_injected_drift(sample) -> None:
    root, manifest, parsed = sample
    metered, _, _ = price_calls(parsed.calls)
    invoiced, lines, _ = read_invoices(root)
    drift = manifest["injected_drift"]
    drift_key = (drift["provider_id"], drift["model_id"], date.fromisoformat(drift["usage_date"]))
    assert set(invoiced) == {k for k, v in metered.items() if v}
    for key, amount in metered.items():
        tolerance = Decimal("1e-8") * lines[key] + Decimal("1e-12")  # each line is rounded once
        expected = amount * (Decimal(drift["factor"]) if key == drift_key else 1)
        assert abs(invoiced[key] - expected) <= tolerance, (key, invoiced[key], expected)
    off = [k for k in metered if abs(invoiced[k] - metered[k]) > metered[k] * Decimal("0.005")]
    assert off == [drift_key]
    assert Decimal(drift["metered_usd"]) == metered[drift_key]
    assert abs(Decimal(drift["invoiced_usd"]) - invoiced[drift_key]) <= Decimal("1e-12")


def test_manifest_metered_cost_is_calc_price_over_the_calls(sample) -> None:
    _, manifest, parsed = sample
    _, listed, unpriced = price_calls(parsed.calls)
    by_model = {(m["provider_id"], m["model_id"]): m for m in manifest["metered_cost"]["by_provider_model"]}
    for key, amount in listed.items():
        assert Decimal(by_model[key]["calc_price_usd"]) == amount
    assert Decimal(manifest["metered_cost"]["calc_price_total_usd"]) == sum(listed.values())
    assert unpriced == manifest["unpriced_calls"] > 0
    assert [m["model"] for m in manifest["metered_cost"]["by_provider_model"] if not m["is_priced"]] == ["acme-llm-7b"]


def test_usage_reports_equal_metered_tokens(sample) -> None:
    root, _, parsed = sample
    metered: dict[tuple[str, date], Counter] = defaultdict(Counter)
    for call in parsed.calls:
        try:
            _, model_id = _model_id(call.model, call.provider)
        except LookupError:
            continue
        totals = metered[(model_id, call.started_at.astimezone(UTC).date())]
        totals.update(
            input=call.input_tokens,
            uncached=call.input_tokens - call.cache_read - call.cache_write,
            read=call.cache_read,
            write_5m=call.cache_write - call.cache_write_1h,
            write_1h=call.cache_write_1h,
            output=call.output,
            requests=1,
        )
    reported: dict[tuple[str, date], Counter] = defaultdict(Counter)
    for path in _files(root, "usage/openai/*.json"):
        for bucket in json.loads(path.read_text())["data"]:
            day = datetime.fromtimestamp(bucket["start_time"], tz=UTC).date()
            for r in bucket["results"]:
                reported[(_model_id(r["model"], "openai")[1], day)].update(
                    input=r["input_tokens"], read=r["input_cached_tokens"], output=r["output_tokens"],
                    requests=r["num_model_requests"],
                )  # fmt: skip
    for path in _files(root, "usage/anthropic/*.json"):
        for bucket in json.loads(path.read_text())["data"]:
            day = date.fromisoformat(bucket["starting_at"][:10])
            for r in bucket["results"]:
                reported[(_model_id(r["model"], "anthropic")[1], day)].update(
                    uncached=r["uncached_input_tokens"], read=r["cache_read_input_tokens"],
                    write_5m=r["cache_creation"]["ephemeral_5m_input_tokens"],
                    write_1h=r["cache_creation"]["ephemeral_1h_input_tokens"], output=r["output_tokens"],
                )  # fmt: skip
    assert reported
    for key, counts in reported.items():
        assert +counts == +Counter({k: metered[key][k] for k in counts}), key
    reported_models = {model for model, _ in reported}
    assert reported_models == {
        "gpt-5.6-sol", "gpt-5.4-mini", "gpt-4.1-mini", "claude-sonnet-4-5", "claude-haiku-4-5",
    }  # fmt: skip


def _bad_location_text(root: Path, entry: dict) -> str:
    path = root / entry["file"]
    if path.suffix == ".parquet":
        return json.dumps(pq.read_table(path).slice(entry["row"] - 1, 1).to_pylist()[0], default=str)
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return data.decode().splitlines()[entry["line"] - 1]


def test_manifest_lists_every_bad_record_where_it_really_is(sample) -> None:
    root, manifest, parsed = sample
    found = {(r.file, r.position, r.reason) for r in parsed.rejected}
    listed = set()
    for entry in manifest["bad_records"]:
        if entry["source"] == "openai_costs":
            continue
        position = entry["row"] if entry["file"].endswith(".parquet") else entry["line"]
        listed.add((entry["file"], position, entry["reason"]))
    assert found == listed
    reasons = Counter(entry["reason"] for entry in manifest["bad_records"])
    assert set(reasons) == {
        "malformed_json", "negative_tokens", "token_semantics_conflict", "duplicate_conflicting",
        "future_timestamp", "bad_timestamp", "non_usd_currency",
    }  # fmt: skip
    for entry in manifest["bad_records"]:
        if entry["reason"] == "duplicate_conflicting" and "duplicate_of_line" in entry:
            original = _bad_location_text(root, {**entry, "line": entry["duplicate_of_line"]})
            assert json.loads(original)["request_id"] == entry["record_id"]
            assert original != _bad_location_text(root, entry)
    _, _, non_usd = read_invoices(root)
    assert non_usd == [(e["file"], e["row"]) for e in manifest["bad_records"] if e["reason"] == "non_usd_currency"]


def test_identical_duplicates_and_the_truncated_gzip_are_listed(sample) -> None:
    root, manifest, parsed = sample
    listed = set()
    for entry in manifest["identical_duplicates"]:
        text = _bad_location_text(root, entry)
        key = "duplicate_of_row" if entry["file"].endswith((".parquet", ".csv")) else "duplicate_of_line"
        original = entry[key] if entry["file"].endswith(".parquet") else entry[key] + (1 if key.endswith("row") else 0)
        assert text == _bad_location_text(root, {**entry, "line": original, "row": original})
        listed.add(entry["file"])
    assert {f for f, _ in parsed.identical_duplicates} == listed
    truncated = manifest["truncated_gzip"]
    data = (root / truncated["file"]).read_bytes()
    with pytest.raises(EOFError):
        gzip.decompress(data)
    recovered = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data).decode().split("\n")
    copied = truncated["copied_lines"]
    assert len(copied) == truncated["complete_lines_before_cut"] > 0
    source = (
        gzip.decompress((root / truncated["copy_of"]).read_bytes())
        if truncated["copy_of"].endswith(".gz")
        else (root / truncated["copy_of"]).read_bytes()
    )
    source_lines = source.decode().splitlines()
    assert recovered[: len(copied)] == [source_lines[n - 1] for n in copied]


def test_special_calls_sit_on_the_price_change_and_the_cliffs(sample) -> None:
    _, manifest, parsed = sample
    by_start = defaultdict(list)
    for call in parsed.calls:
        by_start[call.started_at].append(call)
    instant = datetime(2026, 8, 21, tzinfo=UTC)
    at_change = [c for c in by_start[instant] if _model_id(c.model, c.provider)[1] == "gpt-5.6-sol"]
    before = [
        c for c in by_start[instant - timedelta(microseconds=1)] if _model_id(c.model, c.provider)[1] == "gpt-5.6-sol"
    ]
    assert {c.source for c in at_change} == {"otlp", "litellm"} and {c.source for c in before} == {"otlp", "canonical"}
    usage = Usage(input_tokens=1000, output_tokens=100)
    assert calc_price(usage, "gpt-5.6-sol", provider_id="openai", genai_request_timestamp=instant).total_price != (
        calc_price(usage, "gpt-5.6-sol", provider_id="openai", genai_request_timestamp=before[0].started_at).total_price
    )
    sonnet_inputs = {c.input_tokens for c in parsed.calls if c.model == "claude-sonnet-4-5"}
    assert {200_000, 200_001} <= sonnet_inputs and max(sonnet_inputs) > 200_001
    assert {272_000, 272_001} <= {c.input_tokens for c in parsed.calls if c.model == "gpt-5.6-sol"}
    assert len(manifest["special_calls"]) == 8
    for entry in manifest["special_calls"]:
        started = datetime.fromisoformat(entry["started_at"].replace("Z", "+00:00"))
        assert any(c.file == entry["file"] and c.input_tokens == entry["input_tokens"] for c in by_start[started])


def test_litellm_spend_follows_the_documented_mispricing_rule(sample) -> None:
    root, manifest, _ = sample
    assert "list price" in manifest["litellm_mispricing"]["rule"]
    checked, seen = 0, set()
    for path in _files(root, "traces/litellm/**/*"):
        if path.suffix == ".csv":
            with path.open(newline="") as handle:
                rows = list(csv.DictReader(handle))
        else:
            rows = []
            for line in path.read_text().splitlines():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        for row in rows:
            started = _iso(str(row["startTime"]))
            metadata = row["metadata"] if isinstance(row["metadata"], dict) else json.loads(row["metadata"])
            usage = metadata["usage_object"]
            inp, out = int(row["prompt_tokens"]), int(row["completion_tokens"])
            read = int(usage["cache_read_input_tokens"])
            if started is None or min(inp, out) < 0 or read > inp or row["request_id"] in seen:
                continue  # bad records and duplicates (the first occurrence is the genuine row)
            seen.add(row["request_id"])
            anthropic_family = row["model"].startswith(("claude", "anthropic."))
            write = int(usage.get("cache_creation_input_tokens", 0))
            write_1h = int((usage.get("cache_creation_input_token_details") or {}).get("ephemeral_1h_input_tokens", 0))
            try:
                expected = calc_price(
                    Usage(
                        input_tokens=inp,
                        cache_read_tokens=0 if anthropic_family else read,  # LiteLLM's gap: reads at input price
                        cache_write_tokens=write,
                        cache_write_1h_tokens=write_1h,
                        output_tokens=out,
                    ),
                    row["model"],
                    provider_id=row["custom_llm_provider"],
                    genai_request_timestamp=started,
                ).total_price
            except LookupError:
                expected = Decimal(0)
            assert float(row["spend"]) == pytest.approx(float(expected), rel=1e-9, abs=1e-15), row["request_id"]
            checked += 1
    assert checked > 500


def test_cache_tokens_come_in_prefix_blocks_and_reasoning_only_on_gpt5(sample) -> None:
    root, _, parsed = sample
    ordinary = [c for c in parsed.calls if c.input_tokens not in (200_000, 200_001, 272_000, 272_001)]
    reads = [c.cache_read for c in ordinary if c.cache_read]
    writes = [c.cache_write for c in ordinary if c.cache_write]
    assert reads and all(r % 512 == 0 and r >= 1024 for r in reads)  # Mooncake's 512-token blocks
    assert writes and all(w % 512 == 0 for w in writes)
    assert all(c.cache_write == 0 for c in ordinary if c.provider == "openai")
    assert any(c.cache_write_1h for c in ordinary) and all(c.cache_write_1h <= c.cache_write for c in ordinary)
    share_cached = sum(c.cache_read for c in ordinary) / sum(c.input_tokens for c in ordinary)
    assert 0.1 < share_cached < 0.8
    for path in _files(root, "traces/canonical/**/*.parquet"):
        for row in pq.read_table(path, columns=["model", "reasoning_tokens", "output_tokens"]).to_pylist():
            if row["model"].startswith("gpt-5"):
                assert 0 <= row["reasoning_tokens"] <= max(row["output_tokens"], 0)
            else:
                assert row["reasoning_tokens"] == 0


def _attributed(parsed: Parsed) -> list[tuple[Call, dict]]:
    return [(call, parsed.roots[call.trace_id]) for call in parsed.calls]


def test_request_trees_are_heavy_tailed_with_retries_and_agents_heaviest(sample) -> None:
    _, manifest, parsed = sample
    sizes = Counter(call.trace_id for call in parsed.calls)
    feature_of = {trace: parsed.roots[trace]["feature"] for trace in sizes}
    values = np.array(list(sizes.values()))
    assert np.mean(values <= 3) > 0.85 and values.max() >= 20
    agent = np.array([n for t, n in sizes.items() if feature_of[t] == "agent-assist"])
    others = np.array([n for t, n in sizes.items() if feature_of[t] != "agent-assist"])
    assert agent.mean() > 2 * others.mean()
    assert np.mean(agent >= 10) > 5 * np.mean(others >= 10)  # the heaviest tail
    assert sum(manifest["tree_size_histogram"].values()) == len(sizes)
    assert manifest["sources"]["otlp"]["retry_calls"] > 0 and manifest["sources"]["litellm"]["failed_calls"] > 0


def test_staging_share_and_feature_rename(sample) -> None:
    _, _, parsed = sample
    staging = sum(root["environment"] == "staging" for _, root in _attributed(parsed))
    assert 0.04 < staging / len(parsed.calls) < 0.12
    rename = datetime(2026, 9, 1, tzinfo=UTC)
    labels_before = {
        root["feature"] for call, root in _attributed(parsed) if call.started_at < rename - timedelta(hours=1)
    }
    labels_after = {
        root["feature"] for call, root in _attributed(parsed) if call.started_at >= rename + timedelta(hours=1)
    }
    assert "ask-docs" in labels_before and "search-answer" not in labels_before
    assert "search-answer" in labels_after and "ask-docs" not in labels_after


def test_mau_covers_the_users_seen_in_calls_except_the_listed_gap(sample) -> None:
    root, manifest, parsed = sample
    product_name = {"draft-email": "email-drafting", "smart-reply": "smart-replies"}
    first_call: dict[str, datetime] = {}
    for call in parsed.calls:
        first_call[call.trace_id] = min(first_call.get(call.trace_id, call.started_at), call.started_at)
    users: dict[tuple[str, str, str], set] = defaultdict(set)
    for trace, started in first_call.items():
        tags = parsed.roots[trace]
        if tags["environment"] != "production":
            continue
        month = started.date().replace(day=1).isoformat()
        users[(month, tags["tenant"], product_name.get(tags["feature"], tags["feature"]))].add(tags["user"])
    mau = {}
    for path in _files(root, "product/mau/*.csv"):
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                mau[(row["month"], row["tenant_id"], row["feature"])] = int(row["monthly_active_users"])
    below = [(key, len(u), mau.get(key, 0)) for key, u in users.items() if mau.get(key, 0) < len(u)]
    gap = manifest["mau_below_call_users"]
    assert below == [
        ((gap["month"], gap["tenant_id"], gap["feature"]), gap["users_with_calls"], gap["monthly_active_users"])
    ]
    assert any(mau[k] > len(users.get(k, ())) for k in mau)  # active users who made no AI call
    features = {feature for _, _, feature in mau}
    assert {"email-drafting", "smart-replies", "ask-docs", "search-answer"} <= features
    assert "draft-email" not in features and "smart-reply" not in features


def test_subscription_history_is_type_2_with_mid_month_plan_changes(sample) -> None:
    root, manifest, _ = sample
    (path,) = _files(root, "product/subscriptions/*.csv")
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["tenant_id", "plan_tier", "seats", "valid_from", "valid_to", "monthly_revenue_usd"]
    history = defaultdict(list)
    for row in rows:
        assert row["plan_tier"] in ("starter", "pro", "enterprise") and int(row["seats"]) > 0
        history[row["tenant_id"]].append(row)
    assert len(history) == SAMPLE["tenants"]
    for spans in history.values():
        spans.sort(key=lambda r: r["valid_from"])
        assert spans[-1]["valid_to"] == ""
        assert all(a["valid_to"] == b["valid_from"] for a, b in itertools.pairwise(spans))
    changed = {t for t, spans in history.items() if len({r["plan_tier"] for r in spans}) > 1}
    assert changed == {c["tenant_id"] for c in manifest["plan_changes"] if c["from_plan"] != c["to_plan"]}
    assert all(1 < date.fromisoformat(c["effective"]).day < 28 for c in manifest["plan_changes"])
    revenue = [r["monthly_revenue_usd"] for r in rows]
    assert 0 < sum(bool(v) for v in revenue) < len(revenue) / 2  # present but mostly empty


def _plan_catalog() -> dict[str, dict[str, Decimal]]:
    with (REPO / "seeds" / "plan_catalog.csv").open(newline="") as handle:
        return {
            r["plan_tier"]: {k: Decimal(v) for k, v in r.items() if k != "plan_tier"} for r in csv.DictReader(handle)
        }


def _billed_cost(call: Call) -> Decimal | None:
    """calc_price of one call, times seeds/price_overrides.csv where one applies; None when unpriced."""
    usage = Usage(
        input_tokens=call.input_tokens,
        cache_read_tokens=call.cache_read,
        cache_write_tokens=call.cache_write,
        cache_write_1h_tokens=call.cache_write_1h,
        output_tokens=call.output,
    )
    try:
        result = calc_price(usage, call.model, provider_id=call.provider, genai_request_timestamp=call.started_at)
    except LookupError:
        return None
    day = call.started_at.astimezone(UTC).date()
    cost = result.total_price
    for override in _overrides():
        valid_to = date.fromisoformat(override["valid_to"]) if override["valid_to"] else date.max
        if (override["provider_id"], override["model_id"]) == (result.provider.id, result.model.id) and (
            date.fromisoformat(override["valid_from"]) <= day < valid_to
        ):
            cost *= Decimal(override["price_multiplier"])
    return cost


def test_some_tenant_months_use_more_ai_credits_than_their_plan_includes(sample) -> None:
    """The hybrid plans' usage part is exercised: credits used (production cost x credits_per_usd_cost of the
    plan in force at the call) exceed the included credits (seats x included_credits_per_seat, pro-rated by days
    over the month's subscription rows) for some tenant-months, so overage revenue is not always zero."""
    root, _, parsed = sample
    catalog = _plan_catalog()
    (path,) = _files(root, "product/subscriptions/*.csv")
    periods: dict[str, list[tuple[date, date | None, str, int]]] = defaultdict(list)
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            valid_to = date.fromisoformat(row["valid_to"]) if row["valid_to"] else None
            periods[row["tenant_id"]].append(
                (date.fromisoformat(row["valid_from"]), valid_to, row["plan_tier"], int(row["seats"]))
            )

    def plan_on(tenant: str, day: date) -> str:
        return next(plan for start, end, plan, _ in periods[tenant] if start <= day and (end is None or day < end))

    used: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for call, tags in _attributed(parsed):
        cost = _billed_cost(call) if tags["environment"] == "production" else None
        if cost is not None:
            day = call.started_at.astimezone(UTC).date()
            credits_per_usd = catalog[plan_on(tags["tenant"], day)]["credits_per_usd_cost"]
            used[(day.replace(day=1), tags["tenant"])] += cost * credits_per_usd
    included: dict[tuple[date, str], Decimal] = {}
    for month in {month for month, _ in used}:
        month_end = (month + timedelta(days=32)).replace(day=1)
        days_in_month = (month_end - month).days
        for tenant, spans in periods.items():
            credits = Decimal(0)
            for start, end, plan, seats in spans:
                days = (min(end or month_end, month_end) - max(start, month)).days
                if days > 0:
                    credits += seats * catalog[plan]["included_credits_per_seat"] * days / days_in_month
            included[(month, tenant)] = credits
    over = sorted(key for key, credits in used.items() if credits > included[key])
    assert over, "no tenant-month uses more AI credits than its plan includes: overage revenue would always be 0"
    assert len(over) < len(included)  # and not every tenant-month does


def test_manifest_records_what_was_injected(sample) -> None:
    root, manifest, _ = sample
    assert manifest["arguments"] == {**SAMPLE, "start": "2026-08-01", "otlp_max_calls": 250_000}
    assert manifest["period"] == {"start": "2026-08-01", "end_exclusive": "2026-10-01", "days": 61}
    assert "cache read" in manifest["litellm_mispricing"]["rule"]
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {"generator_manifest.json"}
    assert {f["path"] for f in manifest["files"]} == on_disk
    assert json.loads((root / "generator_manifest.json").read_text()) == manifest
