"""Product analytics: monthly active users per tenant and feature, and the subscription history.

MAU counts the production users who really made AI calls in the month, plus users who were active in
the feature without an AI call (opened it, read a cached result): about one for every five calling
users, drawn from the tenant's other seats. Product analytics names features its
own way ('email-drafting', 'smart-replies', 'ask-docs' before the rename), as seeds/feature_aliases.csv
records. One tenant/feature/month is deliberately reported below the users seen in calls (a tracking
gap), and the manifest names it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from orchestration.generate.catalog import FEATURES, OLD_SEARCH_LABEL, PRODUCT_FEATURE_NAMES, RENAME_DATE
from orchestration.generate.records import FileRecord, distinct_sorted, write_bytes
from orchestration.generate.workload import DAY_US, DayCalls, TenantBook, WorkloadContext, to_us

NON_AI_ACTIVE_RATIO = 0.2  # active users without an AI call per user with calls (from the remaining seats)
UNCALLED_FEATURE_ACTIVE_SHARE = 0.036  # of the seats, in a feature nobody called (when it is exported at all)
MAU_SHORTFALL = 2


def _next_month(month: date) -> datetime:
    return datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=UTC)


def product_feature_name(feature_id: str, month: date) -> str:
    if feature_id == "search-answer" and month < RENAME_DATE:
        return OLD_SEARCH_LABEL
    return PRODUCT_FEATURE_NAMES.get(feature_id, feature_id)


@dataclass
class ActiveUsers:
    """Distinct (month, tenant, feature, user) of production trees, accumulated a day at a time."""

    ctx: WorkloadContext

    def __post_init__(self) -> None:
        self.months = sorted({(self.ctx.start + timedelta(days=d)).replace(day=1) for d in range(self.ctx.days)})
        month_of_day = [
            self.months.index((self.ctx.start + timedelta(days=d)).replace(day=1)) for d in range(self.ctx.days)
        ]
        self.month_of_day = np.array(month_of_day, dtype=np.int64)
        self.users = self.ctx.book.customer_users
        self.chunks: list[np.ndarray] = []

    def add(self, day: DayCalls) -> None:
        production = day.tree_env == 0
        # A tree counts in the month of its first call (what a reader of the call records sees).
        first_call_us = day.call_start_us[day.tree_first_call[production]]
        day_index = np.clip((first_call_us - self.ctx.period_start_us) // DAY_US, 0, self.ctx.days - 1)
        month = self.month_of_day[day_index]
        tenants = len(self.ctx.book.tenant_ids)
        key = (month * tenants + day.tree_tenant[production]) * len(FEATURES) + day.tree_feature[production]
        key = key * self.users + day.tree_user[production]
        self.chunks.append(distinct_sorted(key))
        if len(self.chunks) > 16:  # keep memory flat on long runs
            self.chunks = [distinct_sorted(np.concatenate(self.chunks))]

    def users_with_calls(self) -> dict[tuple[int, int, int], int]:
        keys = distinct_sorted(np.concatenate(self.chunks)) if self.chunks else np.array([], dtype=np.int64)
        groups, counts = np.unique(keys // self.users, return_counts=True)
        tenants = len(self.ctx.book.tenant_ids)
        out = {}
        for group, count in zip(groups.tolist(), counts.tolist(), strict=True):
            feature = group % len(FEATURES)
            tenant = (group // len(FEATURES)) % tenants
            month = group // len(FEATURES) // tenants
            out[(month, tenant, feature)] = count
        return out


def write_mau(root: Path, active: ActiveUsers, rng: np.random.Generator) -> tuple[list[FileRecord], dict[str, object]]:
    book: TenantBook = active.ctx.book
    with_calls = active.users_with_calls()
    # The deliberate tracking gap: a busy tenant/feature/month reported below its calling users (the third
    # largest group of more than MAU_SHORTFALL + 1 users; in tiny samples the largest group, reported
    # min(MAU_SHORTFALL, users - 1) below, or left out of the export when it has a single user).
    groups = sorted(((count, key) for key, count in with_calls.items()), reverse=True)
    eligible = [group for group in groups if group[0] > MAU_SHORTFALL + 1]
    shortfall_key = eligible[min(2, len(eligible) - 1)][1] if eligible else (groups[0][1] if groups else None)
    files, shortfall = [], {}
    tenant_index = np.arange(len(book.tenant_ids))
    for month_index, month in enumerate(active.months):
        rows = []
        month_end = min(to_us(_next_month(month)), active.ctx.period_end_us) - 1
        _, month_end_seats = book.plan_and_seats_at(tenant_index, np.full(tenant_index.size, month_end))
        for tenant, tenant_id in enumerate(book.tenant_ids):
            seats = int(month_end_seats[tenant])
            for feature_index, feature in enumerate(FEATURES):
                calling = with_calls.get((month_index, tenant, feature_index), 0)
                if calling == 0 and rng.random() > 0.3:
                    continue  # most features nobody touched are absent from the export
                remaining = max(seats - calling, 0)
                if calling:
                    share = min(1.0, NON_AI_ACTIVE_RATIO * calling / remaining) if remaining else 0.0
                else:
                    share = UNCALLED_FEATURE_ACTIVE_SHARE
                extra = int(rng.binomial(remaining, share))
                mau = calling + extra
                if (month_index, tenant, feature_index) == shortfall_key:
                    mau = calling - (min(MAU_SHORTFALL, calling - 1) if calling > 1 else 1)
                    shortfall = {
                        "month": month.isoformat(),
                        "tenant_id": tenant_id,
                        "feature": product_feature_name(feature.feature_id, month),
                        "feature_id": feature.feature_id,
                        "users_with_calls": calling,
                        "monthly_active_users": mau,
                    }
                if mau > 0:
                    rows.append((month.isoformat(), tenant_id, product_feature_name(feature.feature_id, month), mau))
        relative = f"product/mau/mau_{month.strftime('%Y-%m')}.csv"
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["month", "tenant_id", "feature", "monthly_active_users"])
        writer.writerows(rows)
        write_bytes(root / relative, buffer.getvalue().encode())
        files.append(FileRecord(relative, "product_mau", rows=len(rows)))
    return files, shortfall


def write_subscriptions(root: Path, book: TenantBook, as_of: date) -> FileRecord:
    rows = book.subscription_rows()
    relative = f"product/subscriptions/subscriptions_{as_of.isoformat()}.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["tenant_id", "plan_tier", "seats", "valid_from", "valid_to", "monthly_revenue_usd"])
    for row in rows:
        writer.writerow(
            [
                row["tenant_id"],
                row["plan_tier"],
                row["seats"],
                row["valid_from"].isoformat(),  # type: ignore[union-attr]
                row["valid_to"].isoformat() if row["valid_to"] else "",  # type: ignore[union-attr]
                row["monthly_revenue_usd"] if row["monthly_revenue_usd"] is not None else "",
            ]
        )
    write_bytes(root / relative, buffer.getvalue().encode())
    return FileRecord(relative, "subscriptions", rows=len(rows))
