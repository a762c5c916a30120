"""generate_workload: the sample landing folder, written a day at a time, plus its manifest.

See docs/GENERATOR.md for every realism choice, every format and the manifest's fields.
"""

from __future__ import annotations

import gzip
import json
import shutil
import zlib
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

import numpy as np

from orchestration.generate import billing, canonical, litellm, otlp, pricing, product
from orchestration.generate.catalog import (
    DEFAULT_START,
    ENVIRONMENTS,
    FEATURES,
    MODEL_INDEX,
    PLAN_TIERS,
    RENAME_DATE,
    check_seeds_agree,
    resolved_models,
)
from orchestration.generate.empirical import load_tables, read_focus_templates
from orchestration.generate.records import BadRecord, FileRecord, sha256_file, tenant_book_lookups, write_bytes
from orchestration.generate.workload import (
    CANONICAL,
    LITELLM,
    LITELLM_CAP_SHARE_OF_OTLP,
    OTLP,
    SOURCES,
    DayCalls,
    PinnedCall,
    WorkloadContext,
    build_tenants,
    day_weights,
    from_us,
    generate_day,
    largest_remainder,
)

Progress = Callable[[str, int, int], None]
OWNED_ENTRIES = ("traces", "invoices", "usage", "product", "generator_manifest.json")
MANIFEST_NAME = "generator_manifest.json"
MIN_CALLS = 100
TRUNCATED_GZIP_KEEP = 0.55  # share of the compressed bytes left in the cut-off resend file
SELF_CHECK_CALLS_PER_DAY = 4


def _price_change_instants(model_key: str, start: date, days: int) -> list[datetime]:
    """Start dates of genai-prices' dated prices for a model that fall inside the period (exclusive of day 0)."""
    info = pricing.model_info(resolved_models()[MODEL_INDEX[model_key]])
    instants = []
    if isinstance(info.prices, list):
        for conditional in info.prices:
            constraint = conditional.constraint
            if constraint is not None and start < constraint.start_date < start + timedelta(days=days):
                day = constraint.start_date
                instants.append(datetime(day.year, day.month, day.day, tzinfo=UTC))
    return sorted(instants)


def _pinned_calls(start: date, days: int, otlp_enabled: bool) -> tuple[list[PinnedCall], list[str]]:
    """Calls placed exactly: both sides of a price change and both sides of each cliff."""
    text_source = OTLP if otlp_enabled else CANONICAL
    pinned: list[PinnedCall] = []
    notes: list[str] = []
    changes = _price_change_instants("gpt-5.6-sol", start, days)
    if changes:
        instant = changes[0]
        before = instant - timedelta(microseconds=1)
        pinned += [
            PinnedCall("price_change_instant", "gpt-5.6-sol", instant, text_source, 42_000, 16_384, 900),
            PinnedCall("price_change_instant_minus_1us", "gpt-5.6-sol", before, text_source, 42_000, 16_384, 900),
            PinnedCall(
                "price_change_instant_litellm",
                "gpt-5.6-sol",
                instant,
                LITELLM if otlp_enabled else CANONICAL,
                9_000,
                4_096,
                400,
            ),
            PinnedCall("price_change_instant_minus_1us_canonical", "gpt-5.6-sol", before, CANONICAL, 9_000, 4_096, 400),
        ]
    else:
        notes.append("no gpt-5.6-sol price change inside the period: price-change calls not placed")
    cliff_day = datetime(start.year, start.month, start.day, 10, 30, tzinfo=UTC) + timedelta(days=min(2, days - 1))
    for k, (model_key, boundary, source) in enumerate(
        (("claude-sonnet-4-5", 200_000, text_source), ("gpt-5.6-sol", 272_000, CANONICAL))
    ):
        for extra in (0, 1):
            pinned.append(
                PinnedCall(
                    f"cliff_{model_key}_{boundary + extra}",
                    model_key,
                    cliff_day + timedelta(minutes=7 * k + extra),
                    source,
                    boundary + extra,
                    150_016,
                    1_200,
                )
            )
    return pinned, notes


def _prepare_out_dir(out_dir: Path, force: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"{out_dir} exists and is not a directory")
    if out_dir.exists() and any(out_dir.iterdir()):
        if not force:
            raise FileExistsError(f"{out_dir} is not empty; pass force=True to replace the generated data")
        for name in OWNED_ENTRIES:
            target = out_dir / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)


def _bad_plan(days: int) -> dict[tuple[str, int], list[str]]:
    """Which bad records go into which (source, day) file. LiteLLM is CSV on even days, JSON lines on odd."""
    plan: dict[tuple[str, int], list[str]] = {}

    def add(source: str, day: int, reasons: list[str]) -> None:
        plan.setdefault((source, day), []).extend(reasons)

    add(
        "otlp",
        min(2, days - 1),
        ["malformed_json", "token_semantics_conflict", "future_timestamp", "bad_timestamp", "identical_duplicate"],
    )
    json_day = 3 if days > 3 else (1 if days > 1 else None)
    csv_day = 4 if days > 4 else 0
    json_reasons = ["malformed_json", "negative_tokens", "token_semantics_conflict", "duplicate_conflicting"]
    if json_day is None:
        add("litellm", csv_day, json_reasons[1:])
    else:
        add("litellm", json_day, json_reasons)
    add("litellm", csv_day, ["bad_timestamp", "identical_duplicate"])
    add(
        "canonical",
        min(6, days - 1),
        ["negative_tokens", "duplicate_conflicting", "identical_duplicate", "future_timestamp"],
    )
    return plan


def _complete_gzip_lines(data: bytes) -> int:
    """How many whole lines a reader can recover from a cut-off gzip stream before it fails."""
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        text = decoder.decompress(data)
    except zlib.error:
        return 0
    return text.count(b"\n")


def _write_truncated_resend(
    out_dir: Path, day_relative: str, lines: list[str], line_numbers: list[int]
) -> dict[str, object]:
    relative = day_relative.replace(".jsonl.gz", ".jsonl").replace(".jsonl", "-resend.jsonl.gz")
    compressed = gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=6, mtime=0)
    cut = compressed[: max(10, int(len(compressed) * TRUNCATED_GZIP_KEEP))]
    write_bytes(out_dir / relative, cut)
    recoverable = _complete_gzip_lines(cut)
    return {
        "file": relative,
        "reason": "truncated_gzip",
        "expected": "rejected, or its complete leading lines loaded and the cut-off rest quarantined",
        "complete_lines_before_cut": recoverable,
        "copy_of": day_relative,
        "copied_lines": line_numbers[:recoverable],
        "detail": (
            f"a resend of the good lines of {day_relative}, cut off at {TRUNCATED_GZIP_KEEP:.0%} of its compressed "
            "bytes; each complete line is a verbatim copy of the line of copy_of named in copied_lines, so loading "
            "them adds identical duplicates and no new usage"
        ),
    }


class _Stats:
    def __init__(self) -> None:
        self.by_source = {
            name: {"calls": 0, "trees": 0, "failed_calls": 0, "retry_calls": 0, "staging_calls": 0} for name in SOURCES
        }
        self.tree_sizes: list[np.ndarray] = []
        self.model_calls: dict[str, int] = {}
        self.unpriced_calls = 0

    def add(self, day: DayCalls, models) -> None:
        call_source = day.tree_source[day.call_tree]
        staging = day.tree_env[day.call_tree] == 1
        for index, name in enumerate(SOURCES):
            in_source = call_source == index
            stats = self.by_source[name]
            stats["calls"] += int(in_source.sum())
            stats["trees"] += int((day.tree_source == index).sum())
            stats["failed_calls"] += int((in_source & ~day.call_ok).sum())
            stats["retry_calls"] += int((in_source & (day.call_attempt > 0)).sum())
            stats["staging_calls"] += int((in_source & staging).sum())
        self.tree_sizes.append(np.bincount(np.minimum(day.tree_calls, 200), minlength=201))
        counts = np.bincount(day.call_model, minlength=len(models))
        for model, count in zip(models, counts.tolist(), strict=True):
            self.model_calls[model.key] = self.model_calls.get(model.key, 0) + count
            if model.billing is None:
                self.unpriced_calls += count

    def tree_size_histogram(self) -> dict[str, int]:
        sizes = np.sum(self.tree_sizes, axis=0) if self.tree_sizes else np.zeros(201, dtype=np.int64)
        buckets = {"1": (1, 2), "2": (2, 3), "3": (3, 4), "4-9": (4, 10), "10-19": (10, 20), "20+": (20, 201)}
        return {label: int(sizes[lo:hi].sum()) for label, (lo, hi) in buckets.items()}


def _self_check_samples(day: DayCalls, models) -> list:
    """The day's pinned calls and a few ordinary ones, to compare with genai_prices.calc_price."""
    picks = sorted(day.pinned)
    priced = [i for i in range(min(day.calls, 500)) if models[day.call_model[i]].billing is not None]
    picks += priced[:SELF_CHECK_CALLS_PER_DAY]
    return [
        (
            models[day.call_model[i]],
            from_us(int(day.call_start_us[i])),
            (
                int(day.call_input[i]),
                int(day.call_cache_read[i]),
                int(day.call_cache_write[i]),
                int(day.call_cache_write_1h[i]),
                int(day.call_output[i]),
            ),
        )
        for i in picks
        if models[day.call_model[i]].billing is not None
    ]


def generate_workload(
    out_dir: Path,
    *,
    calls: int,
    days: int = 61,
    tenants: int = 40,
    seed: int = 7,
    start: date = DEFAULT_START,
    otlp_max_calls: int = 250_000,
    force: bool = False,
    progress: Progress | None = None,
) -> dict:
    """Write a realistic landing folder (traces, invoices, usage, product data) and return its manifest."""
    if calls < MIN_CALLS:
        raise ValueError(f"calls must be at least {MIN_CALLS}")
    if days < 1:
        raise ValueError("days must be at least 1")
    if tenants < 3:
        raise ValueError("tenants must be at least 3")
    if otlp_max_calls < 0:
        raise ValueError("otlp_max_calls must not be negative")
    out_dir = Path(out_dir)
    report = progress or (lambda _step, _done, _total: None)
    _prepare_out_dir(out_dir, force)
    check_seeds_agree()
    models = resolved_models()
    tables = load_tables()

    book = build_tenants(np.random.default_rng([seed, 0]), tenants, start, days, calls)
    pinned, notes = _pinned_calls(start, days, otlp_enabled=otlp_max_calls > 0)
    period_start = datetime(start.year, start.month, start.day, tzinfo=UTC)
    pinned_by_day: dict[int, list[PinnedCall]] = {}
    for call in pinned:
        pinned_by_day.setdefault((call.started_at - period_start).days, []).append(call)

    weights = day_weights(start, days)
    day_targets = largest_remainder(calls - len(pinned), weights)
    pinned_per_source = {s: sum(1 for p in pinned if p.source == s) for s in (OTLP, LITELLM)}
    otlp_budget = largest_remainder(max(0, otlp_max_calls - pinned_per_source[OTLP]), weights)
    litellm_cap = int(otlp_max_calls * LITELLM_CAP_SHARE_OF_OTLP)
    litellm_budget = largest_remainder(max(0, litellm_cap - pinned_per_source[LITELLM]), weights)
    ctx = WorkloadContext(
        seed=seed,
        start=start,
        days=days,
        models=models,
        tables=tables,
        book=book,
        day_targets=day_targets,
        otlp_budget=otlp_budget,
        litellm_budget=litellm_budget,
        pinned_by_day=pinned_by_day,
    )
    lookups = tenant_book_lookups(book, models, seed)
    ledger = billing.UsageLedger(ctx)
    active = product.ActiveUsers(ctx)
    stats = _Stats()
    files: list[FileRecord] = []
    bad_records: list[BadRecord] = []
    special_calls: list[dict[str, object]] = []
    self_check: list = []
    bad_plan = _bad_plan(days)
    truncated: dict[str, object] | None = None
    truncated_day = min(5, days - 1)
    tree_base = call_base = 0
    bad_seq = 0

    for d in range(days):
        day = generate_day(ctx, d, tree_base, call_base)
        tree_base += day.tree_start_us.size
        call_base += day.calls
        ledger.add(day)
        active.add(day)
        stats.add(day, models)
        self_check += _self_check_samples(day, models)
        moment = start + timedelta(days=d)
        stamp = moment.isoformat()
        call_source = day.tree_source[day.call_tree]

        otlp_trees = np.flatnonzero(day.tree_source == OTLP)
        otlp_bad = bad_plan.get(("otlp", d), [])
        if otlp_trees.size:
            gz = d % 3 == 2
            relative = f"traces/otlp/{moment:%Y/%m/%d}/otel-traces-{stamp}.jsonl" + (".gz" if gz else "")
            writer = otlp.OtlpDayWriter(lookups, day, np.random.default_rng([seed, 2, d]))
            record, bad, lines, line_numbers = otlp.write_otlp_day(
                out_dir, relative, writer, otlp_trees, bad_reasons=otlp_bad, bad_seq_start=bad_seq, gzip_it=gz
            )
            bad_seq += len(otlp_bad)
            files.append(record)
            bad_records += bad
            if d == truncated_day and lines:
                truncated = _write_truncated_resend(out_dir, relative, lines, line_numbers)
            _locate_pinned(day, OTLP, relative, special_calls, models)

        litellm_calls = np.flatnonzero(call_source == LITELLM)
        litellm_bad = bad_plan.get(("litellm", d), [])
        if litellm_calls.size:
            as_csv = d % 2 == 0
            relative = f"traces/litellm/{moment:%Y/%m}/litellm_spendlogs_{stamp}." + ("csv" if as_csv else "jsonl")
            record, bad = litellm.write_litellm_day(
                out_dir,
                relative,
                litellm.LiteLLMDayWriter(lookups, day),
                litellm_calls,
                bad_reasons=litellm_bad,
                as_csv=as_csv,
            )
            files.append(record)
            bad_records += bad
            _locate_pinned(day, LITELLM, relative, special_calls, models)

        canonical_calls = np.flatnonzero(call_source == CANONICAL)
        canonical_bad = bad_plan.get(("canonical", d), [])
        if canonical_calls.size:
            relative = f"traces/canonical/date={stamp}/calls-0000.parquet"
            record, bad = canonical.write_canonical_day(
                out_dir, relative, lookups, day, canonical_calls, bad_reasons=canonical_bad
            )
            files.append(record)
            bad_records += bad
            _locate_pinned(day, CANONICAL, relative, special_calls, models)
        report("traces", d + 1, days)

    report("invoices", 0, 5)
    drift = _choose_drift(ledger, models, days)
    openai_costs = billing.write_openai_costs(out_dir, ledger, drift, seed)
    anthropic_costs = billing.write_anthropic_costs(out_dir, ledger, drift, seed)
    focus_columns, focus_templates = read_focus_templates()
    focus = billing.write_focus(
        out_dir,
        ledger,
        drift,
        columns=focus_columns,
        templates=focus_templates,
        rng=np.random.default_rng([seed, 4]),
    )
    report("invoices", 3, 5)
    files += openai_costs.files + anthropic_costs.files + focus.files
    bad_records += openai_costs.bad_records
    files += billing.write_openai_usage(out_dir, ledger, seed)
    files += billing.write_anthropic_usage(out_dir, ledger, seed, anthropic_costs.searches_by_day)
    report("invoices", 5, 5)

    report("product", 0, 1)
    mau_files, mau_shortfall = product.write_mau(out_dir, active, np.random.default_rng([seed, 5]))
    files += mau_files
    files.append(product.write_subscriptions(out_dir, book, start + timedelta(days=days - 1)))
    report("product", 1, 1)

    checked = pricing.check_against_calc_price(self_check)
    placed = Counter((r.source, r.reason) for r in bad_records)
    for (source, _day), reasons in sorted(bad_plan.items()):
        for reason, wanted in sorted(Counter(reasons).items()):
            if placed[(source, reason)] < wanted:
                notes.append(f"{source} {reason} record not written: no {source} calls on its planned day")
    invoiced = {**openai_costs.invoiced, **anthropic_costs.invoiced, **focus.invoiced}
    manifest = _manifest(
        out_dir=out_dir,
        arguments={
            "calls": calls,
            "days": days,
            "tenants": tenants,
            "seed": seed,
            "start": start.isoformat(),
            "otlp_max_calls": otlp_max_calls,
        },
        ctx=ctx,
        ledger=ledger,
        files=files,
        bad_records=bad_records,
        truncated=truncated,
        drift=drift,
        invoiced=invoiced,
        stats=stats,
        special_calls=special_calls,
        mau_shortfall=mau_shortfall,
        web_searches=anthropic_costs.web_searches,
        notes=notes,
        self_checked=checked,
    )
    report("manifest", 1, 1)
    return manifest


def _locate_pinned(day: DayCalls, source: int, relative: str, out: list[dict[str, object]], models) -> None:
    for call, label in sorted(day.pinned.items()):
        if day.tree_source[day.call_tree[call]] != source:
            continue
        out.append(
            {
                "label": label,
                "source": SOURCES[source],
                "file": relative,
                "started_at": from_us(int(day.call_start_us[call])).isoformat().replace("+00:00", "Z"),
                "model": models[day.call_model[call]].request_model,
                "input_tokens": int(day.call_input[call]),
                "cache_read_tokens": int(day.call_cache_read[call]),
                "output_tokens": int(day.call_output[call]),
            }
        )


def _choose_drift(ledger: billing.UsageLedger, models, days: int) -> billing.DriftSpec | None:
    sonnet = MODEL_INDEX["claude-sonnet-4-5"]
    preferred = min(11, days // 2)
    used = sorted({k[0] for k in ledger.cells if k[1] == sonnet})
    if not used:
        return None
    day = next((d for d in used if d >= preferred), used[-1])
    return billing.DriftSpec(model_index=sonnet, day_index=day)


def _money(value: Decimal) -> str:
    return str(value)


def _manifest(
    *,
    out_dir: Path,
    arguments: dict[str, object],
    ctx: WorkloadContext,
    ledger: billing.UsageLedger,
    files: list[FileRecord],
    bad_records: list[BadRecord],
    truncated: dict[str, object] | None,
    drift: billing.DriftSpec | None,
    invoiced: dict[tuple[int, int], Decimal],
    stats: _Stats,
    special_calls: list[dict[str, object]],
    mau_shortfall: dict[str, object],
    web_searches: list[dict[str, object]],
    notes: list[str],
    self_checked: int,
) -> dict:
    models = ctx.models
    metered_list: dict[int, Decimal] = {}
    metered_billed: dict[int, Decimal] = {}
    daily_billed: dict[tuple[int, int], Decimal] = {}
    tokens_by_model: dict[int, dict[str, int]] = {}
    for key in sorted(ledger.cells):
        d, model_index, _tier, _env = key
        totals = tokens_by_model.setdefault(model_index, dict.fromkeys(pricing.LEDGER_COLUMNS, 0))
        for column, value in ledger.tokens(key).items():
            totals[column] += value
        if models[model_index].billing is None:
            continue
        list_cost = sum(ledger.cost(key, billed=False).values(), Decimal(0))
        billed_cost = sum(ledger.cost(key, billed=True).values(), Decimal(0))
        metered_list[model_index] = metered_list.get(model_index, Decimal(0)) + list_cost
        metered_billed[model_index] = metered_billed.get(model_index, Decimal(0)) + billed_cost
        daily_billed[(d, model_index)] = daily_billed.get((d, model_index), Decimal(0)) + billed_cost

    by_model = []
    for model_index, model in enumerate(models):
        entry: dict[str, object] = {
            "provider": model.otel_provider,
            "model": model.request_model,
            "provider_id": model.price_provider_id or None,
            "model_id": model.price_model_id or None,
            "calls": stats.model_calls.get(model.key, 0),
            "tokens": tokens_by_model.get(model_index, {}),
        }
        if model.billing is None:
            entry.update(is_priced=False, calc_price_usd=None, billed_usd=None)
        else:
            entry.update(
                is_priced=True,
                calc_price_usd=_money(metered_list.get(model_index, Decimal(0))),
                billed_usd=_money(metered_billed.get(model_index, Decimal(0))),
            )
        by_model.append(entry)

    drift_entry = None
    if drift is not None:
        model = models[drift.model_index]
        drift_day = ledger.day_date(drift.day_index)
        types = sorted(
            {
                billing.ANTHROPIC_TOKEN_TYPES[kind][0]
                for key in ledger.cells
                if key[:2] == (drift.day_index, drift.model_index)
                for kind, value in ledger.cost(key, billed=True).items()
                if value
            }
        )
        drift_entry = {
            "provider_id": model.price_provider_id,
            "model_id": model.price_model_id,
            "invoice_model": model.response_model,
            "usage_date": drift_day.isoformat(),
            "token_types": types,
            "factor": str(drift.factor),
            "metered_usd": _money(daily_billed[(drift.day_index, drift.model_index)]),
            "invoiced_usd": _money(invoiced[(drift.day_index, drift.model_index)]),
            "invoice_file_kind": "anthropic_costs",
        }

    reconciliation = []
    for (d, model_index), billed in sorted(daily_billed.items()):
        model = models[model_index]
        reconciliation.append(
            {
                "usage_date": ledger.day_date(d).isoformat(),
                "provider_id": model.price_provider_id,
                "model_id": model.price_model_id,
                "metered_usd": _money(billed),
                "invoiced_usd": _money(invoiced.get((d, model_index), Decimal(0))),
            }
        )

    file_entries = []
    for record in sorted(files, key=lambda r: r.path):
        path = out_dir / record.path
        entry = {"path": record.path, "kind": record.kind, "rows": record.rows, "bytes": path.stat().st_size}
        if record.calls or record.kind in ("otlp", "canonical", "litellm_csv", "litellm_jsonl"):
            entry.update(calls=record.calls, trees=record.trees)
        entry.update(record.extra)
        entry["sha256"] = sha256_file(path)
        file_entries.append(entry)
    if truncated:
        path = out_dir / str(truncated["file"])
        file_entries.append(
            {
                "path": truncated["file"],
                "kind": "otlp",
                "rows": None,
                "bytes": path.stat().st_size,
                "truncated": True,
                "sha256": sha256_file(path),
            }
        )
        file_entries.sort(key=lambda e: str(e["path"]))

    plan_changes = [
        {
            "tenant_id": ctx.book.tenant_ids[c.tenant],
            "effective": c.effective.isoformat(),
            "kind": c.kind,
            "from_plan": PLAN_TIERS[int(ctx.book.base_plan[c.tenant])],
            "to_plan": PLAN_TIERS[c.plan],
            "seats": c.seats,
        }
        for c in sorted(ctx.book.changes, key=lambda c: (c.effective, c.tenant))
    ]
    period_end = ctx.start + timedelta(days=ctx.days)
    manifest = {
        "generator": {
            "name": "orchestration.generate",
            "format_version": 1,
            "genai_prices_version": version("genai-prices"),
            "docs": "docs/GENERATOR.md",
        },
        "arguments": arguments,
        "period": {"start": ctx.start.isoformat(), "end_exclusive": period_end.isoformat(), "days": ctx.days},
        "environments": list(ENVIRONMENTS),
        "features": [f.feature_id for f in FEATURES],
        "feature_rename": {"feature_id": "search-answer", "old_tag": "ask-docs", "renamed_on": RENAME_DATE.isoformat()},
        "sources": {name: values for name, values in stats.by_source.items()},
        "calls_total": sum(v["calls"] for v in stats.by_source.values()),
        "tree_size_histogram": stats.tree_size_histogram(),
        "unpriced_calls": stats.unpriced_calls,
        "metered_cost": {
            "method": (
                "exact Decimal sums of tokens per (day, model, cliff tier) x genai-prices unit prices; equal to the "
                f"sum of genai_prices.calc_price over the calls (verified on {self_checked} calls this run)"
            ),
            "calc_price_total_usd": _money(sum(metered_list.values(), Decimal(0))),
            "billed_total_usd": _money(sum(metered_billed.values(), Decimal(0))),
            "by_provider_model": by_model,
            "price_overrides": [
                {
                    "provider_id": o.provider_id,
                    "model_id": o.model_id,
                    "price_multiplier": str(o.multiplier),
                    "note": o.note,
                }
                for o in pricing.price_overrides()
            ],
        },
        "reconciliation_daily": reconciliation,
        "injected_drift": drift_entry,
        "invoice_rounding": {
            "openai_costs": "amount.value = USD rounded half-even to 1e-10, written as a JSON number",
            "anthropic_costs": "amount = cents rounded half-even to 1e-6, written as a decimal string",
            "focus": "BilledCost/EffectiveCost/ContractedCost/ListCost = USD rounded half-even to 1e-10",
        },
        "non_token_spend": web_searches,
        "bad_records": [r.as_dict() for r in bad_records if r.expected != "dropped_and_counted"],
        "identical_duplicates": [r.as_dict() for r in bad_records if r.expected == "dropped_and_counted"],
        "truncated_gzip": truncated,
        "litellm_mispricing": {"rule": litellm.LITELLM_MISPRICING_RULE},
        "mau_below_call_users": mau_shortfall,
        "population": ctx.book.population.summary(ctx.book.tenant_ids, ctx.book.base_plan, ctx.book.weights),
        "plan_changes": plan_changes,
        "contract_revenue": {ctx.book.tenant_ids[t]: str(v) for t, v in sorted(ctx.book.contract_revenue.items())},
        "special_calls": special_calls,
        "notes": notes,
        "files": file_entries,
    }
    (out_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
