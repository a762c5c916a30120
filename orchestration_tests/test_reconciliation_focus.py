"""A real FOCUS 1.0 export (../shared/realdata/focus_1.0_sample.csv: 1,000 rows of EC2, S3, ELB, Azure
Machine Learning... and no AI model charge) goes through ingestion and the reconciliation models
without an error and yields no AI invoice line; even forced past the loader's service filter, none of
its rows maps to a model through seeds/focus_sku_map.csv."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from orchestration_tests.conftest import ingest_landing

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent
REAL_FOCUS = REPO_ROOT.parent / "shared" / "realdata" / "focus_1.0_sample.csv"
LANDING_PATH = "invoices/focus/2024-09/focus_1.0_sample.csv"

# Every row of the real file, straight into raw.focus_charges (no service filter), typed as the loader types.
FORCE_ALL_ROWS = """
insert into raw.focus_charges
select
    BillingAccountId, SubAccountId, ProviderName, PublisherName, InvoiceIssuerName, ServiceCategory,
    ServiceName, ChargeCategory, ChargeClass, ChargeDescription,
    cast(ChargePeriodStart as timestamp), cast(ChargePeriodEnd as timestamp),
    cast(BillingPeriodStart as timestamp), cast(BillingPeriodEnd as timestamp), BillingCurrency,
    cast(BilledCost as decimal(38, 12)), cast(EffectiveCost as decimal(38, 12)),
    cast(ListCost as decimal(38, 12)), cast(ContractedCost as decimal(38, 12)),
    cast(ConsumedQuantity as decimal(38, 12)), ConsumedUnit, cast(PricingQuantity as decimal(38, 12)),
    PricingUnit, cast(ListUnitPrice as decimal(38, 18)), RegionId, ResourceId, SkuId, SkuPriceId,
    null, Tags, ?, row_number() over (), current_timestamp
from read_csv(?, all_varchar = true, nullstr = 'NULL', header = true)
"""


def count(warehouse: Path, sql: str) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def test_real_focus_export_yields_no_ai_lines(tmp_path: Path, dbt: Callable) -> None:
    assert REAL_FOCUS.is_file(), f"the shared real FOCUS sample is missing: {REAL_FOCUS}"
    with REAL_FOCUS.open(newline="", encoding="utf-8") as handle:
        real_rows = list(csv.DictReader(handle))
    assert len(real_rows) == 1000
    assert any(row["ServiceCategory"] == "AI and Machine Learning" for row in real_rows)

    landing = tmp_path / "landing"
    (landing / LANDING_PATH).parent.mkdir(parents=True)
    shutil.copy(REAL_FOCUS, landing / LANDING_PATH)
    warehouse = tmp_path / "warehouse" / "ai_costs.duckdb"
    ingest_landing(warehouse, landing)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        status, loaded, skipped = con.execute(
            "select status, rows_loaded, rows_skipped from raw.load_manifest where file_path = ?", [LANDING_PATH]
        ).fetchone()
    assert (status, loaded, skipped) == ("loaded", 0, len(real_rows))

    # Through the loader nothing reaches the models. Force all 1,000 rows past the loader's service filter:
    # the invoice and usage models build on them (with their tests) and none maps to a model or token type.
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute("select count(*) from raw.focus_charges").fetchone()[0] == 0
        con.execute(FORCE_ALL_ROWS, [LANDING_PATH, str(REAL_FOCUS)])
    dbt(
        # cautious: only the tests of the selected models (not the marts' tests that also read them)
        [
            "build",
            "--select",
            "+int_invoice_lines_unioned",
            "+int_provider_usage_unioned",
            "--indirect-selection",
            "cautious",
        ],
        warehouse=warehouse,
        work_dir=tmp_path / "dbt",
    )
    assert count(warehouse, "select count(*) from intermediate.int_focus_charges_mapped") == len(real_rows)
    assert count(warehouse, "select count(*) from intermediate.int_focus_charges_mapped where is_mapped") == 0
    lines = count(warehouse, "select count(*) from intermediate.int_invoice_lines_unioned")
    assert lines == len(real_rows)
    ai_lines = count(
        warehouse,
        "select count(*) from intermediate.int_invoice_lines_unioned where is_model_mapped or charge_kind = 'token'",
    )
    assert ai_lines == 0
    assert count(warehouse, "select count(*) from intermediate.int_provider_usage_unioned") == 0
