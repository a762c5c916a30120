"""What the providers report back: invoices (OpenAI costs, Anthropic cost report, AWS FOCUS export for
Bedrock) and usage reports (OpenAI completions usage, Anthropic messages usage).

All of it is derived from the usage ledger: metered tokens of every call of every environment and
source, summed per (day, model, cliff tier, environment). Amounts are exact Decimal products of those
sums and genai-prices unit prices (list × seeds/price_overrides.csv where an override applies), then
rounded the way each API rounds: OpenAI dollars to 1e-10 (a JSON float), Anthropic cents to 1e-6 (a
decimal string), FOCUS to 1e-10 USD. One (provider, model, day) is inflated by DRIFT_FACTOR on purpose.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import numpy as np

from orchestration.generate import ids
from orchestration.generate.catalog import ENVIRONMENTS, ModelSpec
from orchestration.generate.pricing import LEDGER_COLUMNS, TOKEN_TYPES, ledger_cost, price_book
from orchestration.generate.records import BadRecord, FileRecord, compact_json, write_bytes
from orchestration.generate.workload import DAY_US, DayCalls, WorkloadContext

DRIFT_FACTOR = Decimal("1.08")
BUCKETS_PER_PAGE = 7  # the Costs and Usage APIs' default page size for 1d buckets
OPENAI_DOLLAR_QUANTUM = Decimal("1e-10")
ANTHROPIC_CENT_QUANTUM = Decimal("0.000001")
FOCUS_QUANTUM = Decimal("1e-10")
WEB_SEARCH_SHARE = Decimal("0.002")  # web-search spend ~0.2% of the day's Sonnet token spend
WEB_SEARCH_CENTS_EACH = Decimal(1)  # $10 per 1,000 searches
OPENAI_PROJECTS = {"production": "proj_Kq8vR2mT5xLw3NbY", "staging": "proj_Zs4hJ7cD1pFa9GeU"}
ANTHROPIC_WORKSPACES = {"production": "wrkspc_01Hm8Xq2Vt5Rb7Kc", "staging": "wrkspc_01Jp3Nd6Ws9Fg2Ly"}
AWS_BILLING_ACCOUNT = ("210987654321", "Acme Mail Inc.")
AWS_SUB_ACCOUNTS = {"production": ("345678901234", "mail-prod"), "staging": ("456789012345", "mail-staging")}
OPENAI_LINE_ITEMS = {"uncached_input": "input", "cache_read": "cached input", "output": "output"}
ANTHROPIC_TOKEN_TYPES = {
    "uncached_input": ("uncached_input_tokens", "Input Tokens"),
    "output": ("output_tokens", "Output Tokens"),
    "cache_read": ("cache_read_input_tokens", "Cache Read Input Tokens"),
    "cache_write_5m": ("cache_creation.ephemeral_5m_input_tokens", "Cache Write Input Tokens (5m)"),
    "cache_write_1h": ("cache_creation.ephemeral_1h_input_tokens", "Cache Write Input Tokens (1h)"),
}
ANTHROPIC_CONTEXT_WINDOWS = ("0-200k", "200k-1M")
# AWS usage types for Bedrock token charges (AWS documents the *-input-tokens, *-output-tokens,
# *-cache-read-input-token-count and *-cache-write-input-token-count patterns); 1h cache writes get
# their own *-cache-write-1h-input-token-count type. The FOCUS row carries it in x_UsageType (where AWS
# puts it) and repeats it in ChargeDescription.
BEDROCK_USAGE_SUFFIX = {
    "uncached_input": "input-tokens",
    "output": "output-tokens",
    "cache_read": "cache-read-input-token-count",
    "cache_write_5m": "cache-write-input-token-count",
    "cache_write_1h": "cache-write-1h-input-token-count",
}
# AWS's FOCUS export adds provider columns (x_ prefix, allowed by FOCUS); the usage type is one of them.
AWS_USAGE_TYPE_COLUMN = "x_UsageType"
FOCUS_NUMERIC_COLUMNS = frozenset(
    {"BilledCost", "ConsumedQuantity", "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "ListCost"}
    | {"PricingQuantity", "Id"}
)


@dataclass(frozen=True)
class DriftSpec:
    model_index: int
    day_index: int
    factor: Decimal = DRIFT_FACTOR


class UsageLedger:
    """Metered token sums per (day, model, tier, environment): every good call of every source."""

    def __init__(self, ctx: WorkloadContext) -> None:
        self.ctx = ctx
        self.cells: dict[tuple[int, int, int, int], np.ndarray] = {}

    def add(self, day: DayCalls) -> None:
        ctx = self.ctx
        if day.calls == 0:
            return
        day_index = (day.call_start_us - ctx.period_start_us) // DAY_US
        env = day.tree_env[day.call_tree]
        tier = np.zeros(day.calls, dtype=np.int64)
        first_day = int(day_index.min())
        model_day = (day_index - first_day) * len(ctx.models) + day.call_model
        for code in np.flatnonzero(np.bincount(model_day)).tolist():
            d, model_index = divmod(code, len(ctx.models))
            d += first_day
            spec = ctx.models[model_index]
            if spec.billing is None:
                continue
            mask = (day.call_model == model_index) & (day_index == d)
            tier[mask] = price_book(spec, ctx.start + timedelta(days=int(d))).tier_of(day.call_input[mask])
        # Calls of a day start on that day or (trees crossing midnight) the next: a small dense key space.
        key = (((day_index - first_day) * len(ctx.models) + day.call_model) * 8 + tier) * 2 + env
        present = np.bincount(key)
        groups = np.flatnonzero(present)
        inverse = np.searchsorted(groups, key)
        write_5m = day.call_cache_write - day.call_cache_write_1h
        columns = (
            day.call_input - day.call_cache_read - day.call_cache_write,
            day.call_cache_read,
            write_5m,
            day.call_cache_write_1h,
            day.call_output,
            day.call_reasoning,
            np.ones(day.calls, dtype=np.int64),
        )
        # float64 sums of integers stay exact below 2**53; the assertion keeps that honest.
        sums = np.stack([np.bincount(inverse, weights=c, minlength=groups.size) for c in columns], axis=1)
        assert sums.max(initial=0) < 2**53
        sums = np.rint(sums).astype(np.int64)
        for group, row in zip(groups.tolist(), sums, strict=True):
            env_index = group % 2
            tier_index = (group // 2) % 8
            model_index = (group // 16) % len(ctx.models)
            d = group // 16 // len(ctx.models) + first_day
            cell_key = (int(d), int(model_index), int(tier_index), int(env_index))
            if cell_key in self.cells:
                self.cells[cell_key] = self.cells[cell_key] + row
            else:
                self.cells[cell_key] = row.copy()

    def day_date(self, day_index: int) -> date:
        return self.ctx.start + timedelta(days=day_index)

    def cost(self, cell_key: tuple[int, int, int, int], *, billed: bool) -> dict[str, Decimal]:
        d, model_index, tier, _env = cell_key
        book = price_book(self.ctx.models[model_index], self.day_date(d))
        prices = book.billed_prices[tier] if billed else book.list_prices[tier]
        return ledger_cost(prices, self.cells[cell_key][: len(TOKEN_TYPES)])

    def tokens(self, cell_key: tuple[int, int, int, int]) -> dict[str, int]:
        return dict(zip(LEDGER_COLUMNS, (int(v) for v in self.cells[cell_key]), strict=True))

    def keys_for(self, billing: str) -> list[tuple[int, int, int, int]]:
        return sorted(k for k in self.cells if self.ctx.models[k[1]].billing == billing)


def _day_bounds(start: date, day_index: int) -> tuple[datetime, datetime]:
    begin = datetime(start.year, start.month, start.day, tzinfo=UTC) + timedelta(days=day_index)
    return begin, begin + timedelta(days=1)


# The four paged reports; the kind also seeds the report's page cursors.
OPENAI_COSTS, ANTHROPIC_COSTS, OPENAI_USAGE, ANTHROPIC_USAGE = 1, 2, 3, 4
OPENAI_PAGE_KINDS = (OPENAI_COSTS, OPENAI_USAGE)


def _page_token(seed: int, kind: int, page: int) -> str:
    word = ids.hashed(seed, ids.STREAM_BAD + 1 + kind, np.array([page], dtype=np.uint64))[0]
    return f"page_{int(word):016x}"


def _drift(drift: DriftSpec | None, model_index: int, day_index: int) -> Decimal:
    if drift and (drift.model_index, drift.day_index) == (model_index, day_index):
        return drift.factor
    return Decimal(1)


def _quantize(value: Decimal, quantum: Decimal) -> Decimal:
    return value.quantize(quantum, rounding=ROUND_HALF_EVEN)


def _pages(days: int) -> list[range]:
    return [range(first, min(first + BUCKETS_PER_PAGE, days)) for first in range(0, days, BUCKETS_PER_PAGE)]


@dataclass
class BillingOutput:
    files: list[FileRecord]
    bad_records: list[BadRecord]
    invoiced: dict[tuple[int, int], Decimal]  # (day, model) -> invoiced USD as written (after rounding and drift)
    web_searches: list[dict[str, object]] = field(default_factory=list)
    searches_by_day: dict[int, int] = field(default_factory=dict)


def _write_page(
    root: Path, relative: str, buckets: list[dict[str, object]], *, seed: int, kind: int, page: int, pages: int
) -> None:
    """One page of a cost or usage report, with the cursor to the next; OpenAI's pages say "object": "page"."""
    last = page == pages - 1
    payload: dict[str, object] = {"object": "page"} if kind in OPENAI_PAGE_KINDS else {}
    payload |= {"data": buckets, "has_more": not last, "next_page": None if last else _page_token(seed, kind, page + 1)}
    write_bytes(root / relative, (compact_json(payload) + "\n").encode())


def _openai_bucket(begin: datetime, end: datetime, results: list[dict[str, object]]) -> dict[str, object]:
    return {
        "object": "bucket",
        "start_time": int(begin.timestamp()),
        "end_time": int(end.timestamp()),
        "results": results,
    }


def _anthropic_bucket(begin: datetime, end: datetime, results: list[dict[str, object]]) -> dict[str, object]:
    return {"starting_at": _iso(begin), "ending_at": _iso(end), "results": results}


def write_openai_costs(root: Path, ledger: UsageLedger, drift: DriftSpec | None, seed: int) -> BillingOutput:
    ctx = ledger.ctx
    keys = ledger.keys_for("openai")
    amounts: dict[tuple[int, int, int], dict[str, Decimal]] = {}  # (day, model, env) -> line item -> USD
    for key in keys:
        d, model_index, _tier, env = key
        if any(ledger.cells[key][2:4]):
            raise AssertionError("OpenAI calls carry no cache writes in this workload")
        costs = ledger.cost(key, billed=True)
        line = amounts.setdefault((d, model_index, env), dict.fromkeys(OPENAI_LINE_ITEMS, Decimal(0)))
        for kind in OPENAI_LINE_ITEMS:
            line[kind] += costs[kind]
    files, bad, invoiced = [], [], {}
    pages = _pages(ctx.days)
    for page_number, page_days in enumerate(pages):
        relative = f"invoices/openai/costs_{ledger.day_date(page_days[0]).isoformat()}_p{page_number + 1:04d}.json"
        buckets, result_count = [], 0
        for d in page_days:
            begin, end = _day_bounds(ctx.start, d)
            results = []
            for (dd, model_index, env), line in sorted(amounts.items()):
                if dd != d:
                    continue
                model = ctx.models[model_index]
                for kind, item in OPENAI_LINE_ITEMS.items():
                    if line[kind] == 0:
                        continue
                    value = _quantize(line[kind] * _drift(drift, model_index, d), OPENAI_DOLLAR_QUANTUM)
                    invoiced[(d, model_index)] = invoiced.get((d, model_index), Decimal(0)) + value
                    results.append(
                        {
                            "object": "organization.costs.result",
                            "amount": {"value": float(value), "currency": "usd"},
                            "line_item": f"{model.response_model}, {item}",
                            "project_id": OPENAI_PROJECTS[ENVIRONMENTS[env]],
                        }
                    )
            if page_number == 0 and d == page_days[min(1, len(page_days) - 1)]:
                # One result billed in euros: a currency the pipeline must refuse, not convert silently.
                results.append(
                    {
                        "object": "organization.costs.result",
                        "amount": {"value": 12.5, "currency": "eur"},
                        "line_item": f"{ctx.models[0].response_model}, input",
                        "project_id": OPENAI_PROJECTS["production"],
                    }
                )
                record = BadRecord(
                    "openai_costs", "non_usd_currency", "quarantined", "amount.currency is 'eur'", record_id=None
                )
                record.file, record.row = relative, result_count + len(results)
                bad.append(record)
            result_count += len(results)
            buckets.append(_openai_bucket(begin, end, results))
        _write_page(root, relative, buckets, seed=seed, kind=OPENAI_COSTS, page=page_number, pages=len(pages))
        files.append(FileRecord(relative, "openai_costs", rows=result_count))
    return BillingOutput(files, bad, invoiced, [])


def _web_search_days(ctx: WorkloadContext) -> list[int]:
    return sorted({d for d in (4, ctx.days // 2, ctx.days - 3) if 0 <= d < ctx.days})


def write_anthropic_costs(root: Path, ledger: UsageLedger, drift: DriftSpec | None, seed: int) -> BillingOutput:
    ctx = ledger.ctx
    sonnet = next(i for i, m in enumerate(ctx.models) if m.key == "claude-sonnet-4-5")
    web_days = _web_search_days(ctx)
    searches: dict[int, int] = {}
    files, invoiced, web_searches = [], {}, []
    pages = _pages(ctx.days)
    for page_number, page_days in enumerate(pages):
        relative = (
            f"invoices/anthropic/cost_report_{ledger.day_date(page_days[0]).isoformat()}_p{page_number + 1:04d}.json"
        )
        buckets, result_count = [], 0
        for d in page_days:
            begin, end = _day_bounds(ctx.start, d)
            results = []
            sonnet_cost = Decimal(0)
            for key in ledger.keys_for("anthropic"):
                if key[0] != d:
                    continue
                _d, model_index, tier, env = key
                model = ctx.models[model_index]
                costs = ledger.cost(key, billed=True)
                if model_index == sonnet:
                    sonnet_cost += sum(costs.values(), Decimal(0))
                for kind, (token_type, label) in ANTHROPIC_TOKEN_TYPES.items():
                    if costs[kind] == 0:
                        continue
                    cents = _quantize(costs[kind] * 100 * _drift(drift, model_index, d), ANTHROPIC_CENT_QUANTUM)
                    invoiced[(d, model_index)] = invoiced.get((d, model_index), Decimal(0)) + cents / 100
                    results.append(
                        {
                            "currency": "USD",
                            "amount": str(cents),
                            "workspace_id": ANTHROPIC_WORKSPACES[ENVIRONMENTS[env]],
                            "description": f"{model.anthropic_display_name} Usage - {label}",
                            "cost_type": "tokens",
                            "context_window": ANTHROPIC_CONTEXT_WINDOWS[tier],
                            "model": model.response_model,
                            "service_tier": "standard",
                            "token_type": token_type,
                        }
                    )
            count = int(sonnet_cost * WEB_SEARCH_SHARE * 100 / WEB_SEARCH_CENTS_EACH)
            # Only where the day's Sonnet spend is large enough that web search stays ~0.2% of the line.
            if d in web_days and (d, sonnet, 0, 0) in ledger.cells and count >= 1:
                searches[d] = count
                cents = _quantize(Decimal(count) * WEB_SEARCH_CENTS_EACH, ANTHROPIC_CENT_QUANTUM)
                results.append(
                    {
                        "currency": "USD",
                        "amount": str(cents),
                        "workspace_id": ANTHROPIC_WORKSPACES["production"],
                        "description": "Web Search",
                        "cost_type": "web_search",
                        "context_window": None,
                        "model": ctx.models[sonnet].response_model,
                        "service_tier": "standard",
                        "token_type": None,
                    }
                )
                web_searches.append(
                    {
                        "provider_id": "anthropic",
                        "model_id": ctx.models[sonnet].price_model_id,
                        "usage_date": ledger.day_date(d).isoformat(),
                        "cost_type": "web_search",
                        "web_search_requests": count,
                        "amount_usd": str(cents / 100),
                        "file": relative,
                        "row": result_count + len(results),
                    }
                )
            result_count += len(results)
            buckets.append(_anthropic_bucket(begin, end, results))
        _write_page(root, relative, buckets, seed=seed, kind=ANTHROPIC_COSTS, page=page_number, pages=len(pages))
        files.append(FileRecord(relative, "anthropic_costs", rows=result_count))
    return BillingOutput(files, [], invoiced, web_searches, searches)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _per_token(price_mtok: Decimal) -> str:
    return format((price_mtok / Decimal(1_000_000)).normalize(), "f")


def _focus_number(value: Decimal) -> str:
    return format(_quantize(value, FOCUS_QUANTUM), "f")


def _focus_line(columns: list[str], row: dict[str, str | None]) -> str:
    cells = []
    for column in columns:
        value = row.get(column)
        if value is None or value == "NULL":
            cells.append("NULL")
        elif column in FOCUS_NUMERIC_COLUMNS:
            cells.append(str(value))
        else:
            cells.append('"' + str(value).replace('"', '""') + '"')
    return ",".join(cells)


def _focus_ai_rows(ledger: UsageLedger, d: int, drift: DriftSpec | None, invoiced: dict) -> list[dict[str, str | None]]:
    ctx = ledger.ctx
    begin, end = _day_bounds(ctx.start, d)
    month_start = begin.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    rows = []
    for key in ledger.keys_for("bedrock"):
        if key[0] != d:
            continue
        _d, model_index, tier, env = key
        model: ModelSpec = ctx.models[model_index]
        book = price_book(model, ledger.day_date(d))
        if book.tier_starts:
            raise AssertionError("Bedrock models in this workload have no cliff tiers")
        tokens = ledger.tokens(key)
        environment = ENVIRONMENTS[env]
        for kind, suffix in BEDROCK_USAGE_SUFFIX.items():
            count = tokens[kind]
            if count == 0:
                continue
            usage_type = f"{model.bedrock_usage_prefix}-{suffix}"
            list_price = book.list_prices[tier][kind]
            billed_price = book.billed_prices[tier][kind]
            list_cost = Decimal(count) * list_price / Decimal(1_000_000)
            billed_cost = _quantize(
                Decimal(count) * billed_price / Decimal(1_000_000) * _drift(drift, model_index, d), FOCUS_QUANTUM
            )
            invoiced[(d, model_index)] = invoiced.get((d, model_index), Decimal(0)) + billed_cost
            sku = hashlib.sha256(usage_type.encode()).hexdigest()[:16].upper()  # opaque, stable per usage type
            sub_id, sub_name = AWS_SUB_ACCOUNTS[environment]
            rows.append(
                {
                    "AvailabilityZone": None,
                    "BilledCost": _focus_number(billed_cost),
                    "BillingAccountId": AWS_BILLING_ACCOUNT[0],
                    "BillingAccountName": AWS_BILLING_ACCOUNT[1],
                    "BillingCurrency": "USD",
                    "BillingPeriodEnd": next_month.strftime("%Y-%m-%d %H:%M:%S"),
                    "BillingPeriodStart": month_start.strftime("%Y-%m-%d %H:%M:%S"),
                    "ChargeCategory": "Usage",
                    "ChargeClass": None,
                    "ChargeDescription": usage_type,
                    AWS_USAGE_TYPE_COLUMN: usage_type,
                    "ChargeFrequency": "Usage-Based",
                    "ChargePeriodEnd": end.strftime("%Y-%m-%d %H:%M:%S"),
                    "ChargePeriodStart": begin.strftime("%Y-%m-%d %H:%M:%S"),
                    "CommitmentDiscountCategory": None,
                    "CommitmentDiscountId": None,
                    "CommitmentDiscountName": None,
                    "CommitmentDiscountStatus": None,
                    "CommitmentDiscountType": None,
                    "ConsumedQuantity": str(count),
                    "ConsumedUnit": "Tokens",
                    "ContractedCost": _focus_number(billed_cost),
                    "ContractedUnitPrice": _per_token(billed_price),
                    "EffectiveCost": _focus_number(billed_cost),
                    "InvoiceIssuerName": "Amazon Web Services, Inc.",
                    "ListCost": _focus_number(list_cost),
                    "ListUnitPrice": _per_token(list_price),
                    "PricingCategory": "Standard",
                    "PricingQuantity": str(count),
                    "PricingUnit": "Tokens",
                    "ProviderName": "AWS",
                    "PublisherName": "Amazon Web Services, Inc.",
                    "RegionId": "us-east-1",
                    "RegionName": "US East (N. Virginia)",
                    "ResourceId": f"arn:aws:bedrock:us-east-1::foundation-model/{model.request_model}",
                    "ResourceName": None,
                    "ResourceType": "Foundation Model",
                    "ServiceCategory": "AI and Machine Learning",
                    "Id": "",
                    "ServiceName": "Amazon Bedrock",
                    "SkuId": sku,
                    "SkuPriceId": f"{sku}.JRTCKXETXF.6YS6EN2CT7",
                    "SubAccountId": sub_id,
                    "SubAccountName": sub_name,
                    "Tags": compact_json({"environment": environment, "application": "acme-mail"}),
                }
            )
    return rows


def _focus_background_rows(
    templates: list[dict[str, str]], rng: np.random.Generator, ctx: WorkloadContext, d: int
) -> list[dict[str, str | None]]:
    """Real non-AI charges (EC2, S3, CloudWatch...) re-dated into the period: rows the loader must skip."""
    begin, end = _day_bounds(ctx.start, d)
    month_start = begin.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    rows = []
    for template in templates:
        factor = Decimal(str(round(float(rng.uniform(12, 36)), 4)))  # an hourly row scaled to a day
        row: dict[str, str | None] = dict(template)
        for column in ("BilledCost", "ListCost", "EffectiveCost", "ContractedCost"):
            if row[column] not in (None, "NULL", ""):
                row[column] = _focus_number(Decimal(row[column]) * factor)
        for column in ("ConsumedQuantity", "PricingQuantity"):
            if row[column] not in (None, "NULL", ""):
                row[column] = format(_quantize(Decimal(row[column]) * factor, Decimal("1e-11")), "f")
        row.update(
            {
                "BillingAccountId": AWS_BILLING_ACCOUNT[0],
                "BillingAccountName": AWS_BILLING_ACCOUNT[1],
                "SubAccountId": AWS_SUB_ACCOUNTS["production"][0],
                "SubAccountName": AWS_SUB_ACCOUNTS["production"][1],
                "BillingPeriodStart": month_start.strftime("%Y-%m-%d %H:%M:%S"),
                "BillingPeriodEnd": next_month.strftime("%Y-%m-%d %H:%M:%S"),
                "ChargePeriodStart": begin.strftime("%Y-%m-%d %H:%M:%S"),
                "ChargePeriodEnd": end.strftime("%Y-%m-%d %H:%M:%S"),
            }
        )
        rows.append(row)
    return rows


def write_focus(
    root: Path,
    ledger: UsageLedger,
    drift: DriftSpec | None,
    *,
    columns: list[str],
    templates: list[dict[str, str]],
    rng: np.random.Generator,
    days_per_file: int = 10,
) -> BillingOutput:
    ctx = ledger.ctx
    files, invoiced = [], {}
    next_id = 900_001
    blocks = [range(first, min(first + days_per_file, ctx.days)) for first in range(0, ctx.days, days_per_file)]
    part_of_month: dict[str, int] = {}
    for block in blocks:
        rows: list[dict[str, str | None]] = []
        for d in block:
            day_rows = _focus_ai_rows(ledger, d, drift, invoiced) + _focus_background_rows(templates, rng, ctx, d)
            rows.extend(day_rows)
        # A file never spans two billing periods: split the block at month boundaries.
        by_month: dict[str, list[dict[str, str | None]]] = {}
        for row in rows:
            by_month.setdefault(str(row["BillingPeriodStart"])[:7], []).append(row)
        for month, month_rows in by_month.items():
            part_of_month[month] = part_of_month.get(month, 0) + 1
            relative = f"invoices/focus/{month}/focus-bedrock-{month}-part-{part_of_month[month]:04d}.csv"
            header = [*columns, AWS_USAGE_TYPE_COLUMN]
            lines = [",".join(f'"{c}"' for c in header)]
            for row in month_rows:
                row["Id"] = str(next_id)
                next_id += 1
                lines.append(_focus_line(header, row))
            write_bytes(root / relative, ("\n".join(lines) + "\n").encode())
            ai_rows = sum(1 for r in month_rows if r["ServiceName"] == "Amazon Bedrock")
            files.append(
                FileRecord(
                    relative,
                    "focus",
                    rows=len(month_rows),
                    extra={"ai_rows": ai_rows, "non_ai_rows": len(month_rows) - ai_rows},
                )
            )
    return BillingOutput(files, [], invoiced, [])


def write_openai_usage(root: Path, ledger: UsageLedger, seed: int) -> list[FileRecord]:
    ctx = ledger.ctx
    sums: dict[tuple[int, int, int], dict[str, int]] = {}
    for key in ledger.keys_for("openai"):
        d, model_index, _tier, env = key
        tokens = ledger.tokens(key)
        agg = sums.setdefault((d, model_index, env), dict.fromkeys(LEDGER_COLUMNS, 0))
        for column, value in tokens.items():
            agg[column] += value
    files = []
    pages = _pages(ctx.days)
    for page_number, page_days in enumerate(pages):
        relative = f"usage/openai/completions_{ledger.day_date(page_days[0]).isoformat()}_p{page_number + 1:04d}.json"
        buckets, result_count = [], 0
        for d in page_days:
            begin, end = _day_bounds(ctx.start, d)
            results = []
            for (dd, model_index, env), t in sorted(sums.items()):
                if dd != d:
                    continue
                results.append(
                    {
                        "object": "organization.usage.completions.result",
                        "input_tokens": t["uncached_input"]
                        + t["cache_read"]
                        + t["cache_write_5m"]
                        + t["cache_write_1h"],
                        "output_tokens": t["output"],
                        "input_cached_tokens": t["cache_read"],
                        "input_audio_tokens": 0,
                        "output_audio_tokens": 0,
                        "num_model_requests": t["requests"],
                        "project_id": OPENAI_PROJECTS[ENVIRONMENTS[env]],
                        "user_id": None,
                        "api_key_id": None,
                        "model": ctx.models[model_index].response_model,
                        "batch": False,
                    }
                )
            result_count += len(results)
            buckets.append(_openai_bucket(begin, end, results))
        _write_page(root, relative, buckets, seed=seed, kind=OPENAI_USAGE, page=page_number, pages=len(pages))
        files.append(FileRecord(relative, "openai_usage", rows=result_count))
    return files


def write_anthropic_usage(
    root: Path, ledger: UsageLedger, seed: int, searches_by_day: dict[int, int]
) -> list[FileRecord]:
    ctx = ledger.ctx
    sonnet = next(i for i, m in enumerate(ctx.models) if m.key == "claude-sonnet-4-5")
    files = []
    pages = _pages(ctx.days)
    for page_number, page_days in enumerate(pages):
        relative = f"usage/anthropic/messages_{ledger.day_date(page_days[0]).isoformat()}_p{page_number + 1:04d}.json"
        buckets, result_count = [], 0
        for d in page_days:
            begin, end = _day_bounds(ctx.start, d)
            results = []
            searches_left = searches_by_day.get(d, 0)
            for key in ledger.keys_for("anthropic"):
                if key[0] != d:
                    continue
                _d, model_index, tier, env = key
                t = ledger.tokens(key)
                web = 0
                if model_index == sonnet and env == 0 and tier == 0 and searches_left:
                    web, searches_left = searches_left, 0
                results.append(
                    {
                        "uncached_input_tokens": t["uncached_input"],
                        "cache_creation": {
                            "ephemeral_1h_input_tokens": t["cache_write_1h"],
                            "ephemeral_5m_input_tokens": t["cache_write_5m"],
                        },
                        "cache_read_input_tokens": t["cache_read"],
                        "output_tokens": t["output"],
                        "server_tool_use": {"web_search_requests": web},
                        "api_key_id": None,
                        "workspace_id": ANTHROPIC_WORKSPACES[ENVIRONMENTS[env]],
                        "model": ctx.models[model_index].response_model,
                        "service_tier": "standard",
                        "context_window": ANTHROPIC_CONTEXT_WINDOWS[tier],
                    }
                )
            if searches_left:
                raise AssertionError("web searches billed on a day without production Sonnet usage")
            result_count += len(results)
            buckets.append(_anthropic_bucket(begin, end, results))
        _write_page(root, relative, buckets, seed=seed, kind=ANTHROPIC_USAGE, page=page_number, pages=len(pages))
        files.append(FileRecord(relative, "anthropic_usage", rows=result_count))
    return files
