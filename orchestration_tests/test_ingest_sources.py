"""Formats and mappings: the real FOCUS sample, the attribute remap, format parity (CSV / JSON lines /
Parquet give the same rows), OTLP details, gzip, symlinks inside the landing folder, open-ended plans."""

from __future__ import annotations

import csv
import gzip
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml
from fixtures.ingest.ingest_builders import (
    CANONICAL_COLUMNS,
    LOAD_NOW,
    canonical_call,
    litellm_expected,
    litellm_row,
    llm_span,
    otlp_request,
    write,
    write_canonical_parquet,
    write_csv,
    write_jsonl,
    write_litellm_csv,
    write_litellm_parquet,
)

from orchestration.ingest import ingest_source
from orchestration.ingest.config import CONFIG_ENV_VAR, DEFAULT_CONFIG_PATH, load_config
from orchestration.settings import REPO_ROOT

REAL_FOCUS = REPO_ROOT.parent / "shared" / "realdata" / "focus_1.0_sample.csv"
RESOURCE = {"service.name": "svc", "deployment.environment.name": "production"}


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield connection
    connection.close()


@pytest.mark.skipif(not REAL_FOCUS.exists(), reason="the shared real-data folder is not beside this checkout")
def test_real_focus_sample_loads_with_every_row_skipped_as_non_ai(tmp_path: Path, con) -> None:
    landing = tmp_path / "landing"
    (landing / "invoices/focus").mkdir(parents=True)
    shutil.copy(REAL_FOCUS, landing / "invoices/focus/focus_sample.csv")
    with REAL_FOCUS.open(newline="", encoding="utf-8") as handle:
        data_rows = sum(1 for _ in csv.DictReader(handle))
    result = ingest_source(con, "focus", landing, now=LOAD_NOW)
    assert result.rejected_files == [] and result.files_loaded == 1
    assert result.rows_skipped == data_rows
    assert result.rows_loaded == 0 and result.rows_quarantined == 0
    assert con.execute("select count(*) from raw.quarantine").fetchone()[0] == 0


def test_focus_keeps_ai_charges_from_gzip_csv(tmp_path: Path, con) -> None:
    landing = tmp_path / "landing"
    columns = (
        "BilledCost",
        "BillingCurrency",
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "ServiceCategory",
        "ServiceName",
        "Tags",
    )
    rows = [
        {"BilledCost": f"0.00{n}1", "BillingCurrency": "USD", "ChargePeriodStart": "2026-03-02 00:00:00",
         "ChargePeriodEnd": "2026-03-03 00:00:00", "ServiceCategory": "AI and Machine Learning",
         "ServiceName": name, "Tags": "NULL"}
        for n, name in enumerate(["Amazon Bedrock", "Azure OpenAI", "Azure Machine Learning", "Vertex AI"])
    ]  # fmt: skip
    write_csv(tmp_path / "plain.csv", columns, rows)
    write(landing / "invoices/focus/export.csv.gz", gzip.compress((tmp_path / "plain.csv").read_bytes()))
    result = ingest_source(con, "focus", landing, now=LOAD_NOW)
    kept = con.execute("select service_name, billed_cost, tags from raw.focus_charges order by 1").fetchall()
    ai_names = {name.lower() for name in load_config().focus_ai_service_names}
    expected_ai = sorted(
        (r["ServiceName"], Decimal(r["BilledCost"]), None) for r in rows if r["ServiceName"].lower() in ai_names
    )
    assert 0 < len(expected_ai) < len(rows)
    assert kept == expected_ai  # the literal NULL in Tags is null
    assert result.rows_skipped == len(rows) - len(expected_ai)


def test_otlp_attribute_mapping_is_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    landing = tmp_path / "landing"
    span = llm_span(1, feature="from-app-feature")
    span.attributes["acme.product.feature"] = "from-acme-key"
    write(landing / "traces/otlp/t.jsonl", otlp_request([span], RESOURCE) + "\n")

    default = duckdb.connect(str(tmp_path / "default.duckdb"))
    ingest_source(default, "otlp", landing, now=LOAD_NOW)
    assert default.execute("select feature from raw.otlp_llm_spans").fetchall() == [("from-app-feature",)]

    config = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    config["otlp"]["tag_attributes"]["feature"] = ["acme.product.feature"]
    config["token_conventions"] = str(REPO_ROOT / "seeds" / "token_conventions.csv")
    remapped_path = tmp_path / "ingest.yml"
    remapped_path.write_text(yaml.safe_dump(config))
    monkeypatch.setenv(CONFIG_ENV_VAR, str(remapped_path))
    remapped = duckdb.connect(str(tmp_path / "remapped.duckdb"))
    ingest_source(remapped, "otlp", landing, now=LOAD_NOW)
    assert remapped.execute("select feature from raw.otlp_llm_spans").fetchall() == [("from-acme-key",)]


def test_canonical_formats_give_the_same_rows(tmp_path: Path, con) -> None:
    landing = tmp_path / "landing"
    base = [canonical_call(n) for n in range(12)]
    for fmt in ("csv", "jsonl", "parquet"):
        rows = [{**r, "call_id": f"{fmt}-{r['call_id']}"} for r in base]
        path = landing / f"traces/canonical/{fmt}/calls.{fmt}"
        if fmt == "csv":
            write_csv(path, CANONICAL_COLUMNS, rows)
        elif fmt == "jsonl":
            write_jsonl(path, rows)
        else:
            write_canonical_parquet(path, rows)
    result = ingest_source(con, "canonical", landing, now=LOAD_NOW)
    assert result.rows_quarantined == 0 and result.rows_loaded == 3 * len(base)
    others = ", ".join(c for c in CANONICAL_COLUMNS if c != "call_id")
    by_format = {
        fmt: con.execute(
            f"select {others} from raw.canonical_llm_calls where call_id like '{fmt}-%' order by call_id"
        ).fetchall()
        for fmt in ("csv", "jsonl", "parquet")
    }
    expected = [tuple(r[c] for c in CANONICAL_COLUMNS if c != "call_id") for r in base]
    assert by_format["parquet"] == by_format["csv"] == by_format["jsonl"] == expected


def test_litellm_formats_give_the_same_rows(tmp_path: Path, con) -> None:
    landing = tmp_path / "landing"
    base = [litellm_row(n) for n in range(6)]
    for fmt in ("csv", "jsonl", "parquet"):
        rows = [{**r, "request_id": f"{fmt}-{r['request_id']}"} for r in base]
        path = landing / f"traces/litellm/{fmt}/spend.{fmt}"
        if fmt == "csv":
            write_litellm_csv(path, rows)
        elif fmt == "jsonl":
            write_jsonl(path, rows)
        else:
            write_litellm_parquet(path, rows)
    result = ingest_source(con, "litellm", landing, now=LOAD_NOW)
    assert result.rows_quarantined == 0 and result.rows_loaded == 3 * len(base)
    columns = [c for c in litellm_expected(base[0]) if c != "request_id"]
    for fmt in ("csv", "jsonl", "parquet"):
        loaded = con.execute(
            f"select {', '.join(columns)} from raw.litellm_spend_logs "
            f"where request_id like '{fmt}-%' order by request_id"
        ).fetchall()
        assert loaded == [tuple(litellm_expected(r)[c] for c in columns) for r in base], fmt


def test_otlp_details(tmp_path: Path, con) -> None:
    landing = tmp_path / "landing"
    child = llm_span(1, feature=None, tenant_id=None)
    child.status_code = 2
    named_status = llm_span(2)
    named_status.raw_overrides["status"] = {"code": "STATUS_CODE_ERROR"}
    resource = {**RESOURCE, "app.tenant.id": "t-from-resource"}
    lines = [otlp_request([child], resource, int_as_number=True), otlp_request([named_status], resource)]
    write(landing / "traces/otlp/x.jsonl.gz", gzip.compress(("\n".join(lines) + "\n").encode()))
    ingest_source(con, "otlp", landing, now=LOAD_NOW)
    rows = con.execute(
        "select trace_id, span_id, status_code, tenant_id, feature, input_tokens, started_at from raw.otlp_llm_spans "
        "order by span_id"
    ).fetchall()
    assert rows == [
        (child.trace_id.lower(), child.span_id, 2, "t-from-resource", None,
         child.attributes["gen_ai.usage.input_tokens"],
         child.start.replace(tzinfo=None)),
        (named_status.trace_id.lower(), named_status.span_id, 2, named_status.attributes["app.tenant.id"],
         named_status.attributes["app.feature"], named_status.attributes["gen_ai.usage.input_tokens"],
         named_status.start.replace(tzinfo=None)),
    ]  # fmt: skip


def test_symlink_inside_the_landing_folder_is_read(tmp_path: Path, con) -> None:
    landing = tmp_path / "landing"
    real = write(landing / "archive/calls.parquet", b"")
    write_canonical_parquet(real, [canonical_call(n) for n in range(3)])
    link = landing / "traces/canonical/today.parquet"
    link.parent.mkdir(parents=True)
    link.symlink_to(real)
    result = ingest_source(con, "canonical", landing, now=LOAD_NOW)
    assert result.rows_loaded == 3 and not result.rejected_files


def test_open_ended_subscription_has_null_valid_to(tmp_path: Path, con) -> None:
    landing = tmp_path / "landing"
    write(
        landing / "product/subscriptions/s.csv",
        "tenant_id,plan_tier,seats,valid_from,valid_to,monthly_revenue_usd\n"
        "t-1,pro,10,2025-01-01,2025-06-01,\nt-1,enterprise,50,2025-06-01,,4500.50\n",
    )
    ingest_source(con, "subscriptions", landing, now=LOAD_NOW)
    rows = con.execute(
        "select plan_tier, valid_from, valid_to, monthly_revenue_usd::varchar from raw.subscriptions order by 2"
    ).fetchall()
    assert rows == [
        ("pro", date(2025, 1, 1), date(2025, 6, 1), None),
        ("enterprise", date(2025, 6, 1), None, "4500.500000000000"),
    ]


def test_files_with_other_extensions_are_listed_not_loaded(tmp_path: Path, con) -> None:
    landing = tmp_path / "landing"
    write(landing / "traces/canonical/README.txt", "notes")
    write(landing / "traces/canonical/.hidden.parquet", b"ignored")
    result = ingest_source(con, "canonical", landing, now=LOAD_NOW)
    assert result.files_ignored == ["traces/canonical/README.txt"] and result.files_seen == 0
