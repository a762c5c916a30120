"""Ingestion as Dagster assets: one asset per raw table (AssetKey(["raw", <table>]), group "ingestion").

- One asset per source loads its new landing files (OTLP is a multi-asset: LLM spans and other spans come
  from the same files). Metadata: rows loaded, quarantined by reason, skipped, files seen / loaded /
  unchanged / replaced / rejected.
- raw/rate_card (no upstream) and raw/model_map (after every call, invoice and usage table) are rebuilt in
  full from genai-prices.
- raw/load_manifest and raw/quarantine are written by every loader as a side effect (a file's rows,
  quarantine rows and manifest entry commit together), so no single loader can own them. They are one
  multi-asset downstream of all loaders that records the state the loaders left: what dbt's sources read.
- Checks: Great Expectations on the newly loaded batch of every raw table (failed expectations in the
  metadata), and the raw/load_manifest check `no_rejected_files` that fails (severity ERROR, so
  `aicost run` exits non-zero) naming every rejected file still in the landing folder. It does not
  block: the good files still flow through dbt, as the loading rules say.

Every asset opens and closes its own DuckDB connection; the job runs in one process, one step at a time,
because DuckDB allows one writer.
"""

from collections.abc import Iterator
from typing import Any

import dagster as dg

from orchestration.expectations import validate_batch
from orchestration.ingest import (
    SOURCES,
    SourceLoadResult,
    ensure_raw_schema,
    ingest_source,
    load_model_map,
    load_rate_card,
    outstanding_rejections,
)
from orchestration.ingest.readers import SOURCE_DEFS
from orchestration.resources import WarehouseResource

GROUP = "ingestion"
KINDS = {"duckdb"}

SOURCE_TABLES: dict[str, tuple[str, ...]] = {
    source: tuple(target.table for target in SOURCE_DEFS[source].targets) for source in SOURCES
}
CALL_INVOICE_USAGE_TABLES = tuple(table for tables in SOURCE_TABLES.values() for table in tables if table not in {
    "otlp_spans", "product_mau", "subscriptions",
})  # fmt: skip
LEDGER_TABLES = ("load_manifest", "quarantine")


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


def _load_metadata(result: SourceLoadResult, table: str, table_rows: int) -> dict[str, Any]:
    return {
        "rows_loaded": dg.MetadataValue.int(result.rows_loaded_by_table.get(table, 0)),
        "rows_quarantined": dg.MetadataValue.int(result.rows_quarantined),
        "quarantined_by_reason": dg.MetadataValue.json(result.quarantined_by_reason),
        "rows_skipped": dg.MetadataValue.int(result.rows_skipped),
        "files_seen": dg.MetadataValue.int(result.files_seen),
        "files_loaded": dg.MetadataValue.int(result.files_loaded),
        "files_unchanged": dg.MetadataValue.int(result.files_unchanged),
        "files_replaced": dg.MetadataValue.int(result.files_replaced),
        "files_rejected": dg.MetadataValue.int(result.files_rejected),
        "rejected_files": dg.MetadataValue.json(
            [f"{r.file_path}: {r.reason}: {r.error}" for r in result.rejected_files]
        ),
        "ignored_files": dg.MetadataValue.json(result.files_ignored),
        "loaded_at": dg.MetadataValue.text(result.loaded_at.isoformat() if result.loaded_at else ""),
        "dagster/row_count": dg.MetadataValue.int(table_rows),
    }


def _source_asset(source: str) -> dg.AssetsDefinition:
    tables = SOURCE_TABLES[source]
    folder = SOURCE_DEFS[source].folder
    specs = [
        dg.AssetSpec(
            raw_key(table),
            group_name=GROUP,
            kinds=KINDS,
            description=f"raw.{table}: new files under <landing>/{folder}, loaded exactly once.",
        )
        for table in tables
    ]

    @dg.multi_asset(name=f"ingest_{source}", specs=specs)
    def load(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult]:
        settings = warehouse.settings()
        with warehouse.connect() as con:
            result = ingest_source(con, source, settings.landing_dir)
            counts = {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in tables}
        for rejected in result.rejected_files:
            context.log.error(f"rejected {rejected.file_path}: {rejected.reason}: {rejected.error}")
        context.log.info(
            f"{source}: {result.files_loaded} file(s) loaded, {result.files_unchanged} unchanged, "
            f"{result.files_rejected} rejected; {result.rows_loaded:,} rows loaded, "
            f"{result.rows_quarantined:,} quarantined, {result.rows_skipped:,} skipped"
        )
        for table in tables:
            yield dg.MaterializeResult(asset_key=raw_key(table), metadata=_load_metadata(result, table, counts[table]))

    return load


@dg.asset(
    key=raw_key("rate_card"),
    group_name=GROUP,
    kinds=KINDS,
    description=(
        "raw.rate_card: every genai-prices provider and model, by validity period, time-of-day window and tier."
    ),
)
def rate_card(warehouse: WarehouseResource) -> dg.MaterializeResult:
    from orchestration.ingest.pricing import GENAI_PRICES_VERSION

    with warehouse.connect() as con:
        rows = load_rate_card(con)
        models = con.execute("select count(distinct (price_provider_id, model_id)) from raw.rate_card").fetchone()[0]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(rows),
            "models": dg.MetadataValue.int(models),
            "genai_prices_version": dg.MetadataValue.text(GENAI_PRICES_VERSION),
        }
    )


@dg.asset(
    key=raw_key("model_map"),
    group_name=GROUP,
    kinds=KINDS,
    deps=[raw_key(t) for t in CALL_INVOICE_USAGE_TABLES],
    description="raw.model_map: each observed (provider, model) string matched to a genai-prices model.",
)
def model_map(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        summary = load_model_map(con)
        unmatched = con.execute(
            "select observed_provider || ' / ' || observed_model from raw.model_map where not is_matched order by 1"
        ).fetchall()
    if unmatched:
        context.log.warning(
            f"{summary.unmatched} model string(s) without a genai-prices match (their calls are unpriced)"
        )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(summary.observed),
            "matched": dg.MetadataValue.int(summary.matched),
            "unmatched": dg.MetadataValue.int(summary.unmatched),
            "unmatched_strings": dg.MetadataValue.json([row[0] for row in unmatched]),
        }
    )


@dg.multi_asset(
    name="ingestion_ledger",
    specs=[
        dg.AssetSpec(
            raw_key("load_manifest"),
            group_name=GROUP,
            kinds=KINDS,
            deps=[raw_key(t) for tables in SOURCE_TABLES.values() for t in tables],
            description="raw.load_manifest: every landing file seen (path, sha256, size, status).",
        ),
        dg.AssetSpec(
            raw_key("quarantine"),
            group_name=GROUP,
            kinds=KINDS,
            deps=[raw_key(t) for tables in SOURCE_TABLES.values() for t in tables],
            description="raw.quarantine: every bad row or file with its reason, written by the loaders.",
        ),
    ],
)
def ingestion_ledger(warehouse: WarehouseResource) -> Iterator[dg.MaterializeResult]:
    """Records the manifest and the quarantine as the loaders of this run left them."""
    with warehouse.connect() as con:
        ensure_raw_schema(con)
        statuses = dict(con.execute("select status, count(*) from raw.load_manifest group by all").fetchall())
        reasons = dict(con.execute("select reason, count(*) from raw.quarantine group by all order by 1").fetchall())
        manifest_rows = sum(statuses.values())
        quarantine_rows = sum(reasons.values())
    yield dg.MaterializeResult(
        asset_key=raw_key("load_manifest"),
        metadata={"dagster/row_count": manifest_rows, "files_by_status": dg.MetadataValue.json(statuses)},
    )
    yield dg.MaterializeResult(
        asset_key=raw_key("quarantine"),
        metadata={"dagster/row_count": quarantine_rows, "rows_by_reason": dg.MetadataValue.json(reasons)},
    )


ingestion_assets: list[dg.AssetsDefinition] = [
    *(_source_asset(source) for source in SOURCES),
    rate_card,
    model_map,
    ingestion_ledger,
]

RAW_TABLES: tuple[str, ...] = (
    *(t for tables in SOURCE_TABLES.values() for t in tables),
    "rate_card",
    "model_map",
    *LEDGER_TABLES,
)


def _expectations_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=raw_key(table),
        name="great_expectations",
        description=f"Great Expectations suite of raw.{table} on the latest loaded batch.",
    )
    def check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            validation = validate_batch(con, table)
        # Any failed expectation fails the check; only error-level ones make it an ERROR (an unknown
        # provider is a warning: its calls load and show up as unpriced).
        return dg.AssetCheckResult(
            passed=not validation.failures,
            severity=dg.AssetCheckSeverity.ERROR if not validation.passed else dg.AssetCheckSeverity.WARN,
            metadata={
                "failure_summary": dg.MetadataValue.text(validation.summary),
                "failed_expectations": dg.MetadataValue.json(validation.failures),
                "rows_in_batch": dg.MetadataValue.int(validation.rows_in_batch),
                "rows_validated": dg.MetadataValue.int(validation.rows_validated),
                "batch_loaded_at": dg.MetadataValue.text(str(validation.loaded_at or "")),
            },
        )

    return check


@dg.asset_check(
    asset=raw_key("load_manifest"),
    name="no_rejected_files",
    description="Fails, naming them, while any rejected landing file is still in the landing folder.",
)
def no_rejected_files(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    settings = warehouse.settings()
    with warehouse.connect() as con:
        ensure_raw_schema(con)
        rejected = outstanding_rejections(con, settings.landing_dir)
    names = [f"{r.file_path} ({r.reason}: {r.error})" for r in rejected]
    summary = "rejected: " + "; ".join(names) if names else "no rejected files"
    return dg.AssetCheckResult(
        passed=not rejected,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "failure_summary": dg.MetadataValue.text(summary),
            "rejected_files": dg.MetadataValue.json(
                [{"file": r.file_path, "source": r.source, "reason": r.reason, "error": r.error} for r in rejected]
            ),
        },
    )


ingestion_asset_checks: list[dg.AssetChecksDefinition] = [
    *(_expectations_check(table) for table in RAW_TABLES),
    no_rejected_files,
]

__all__ = ["RAW_TABLES", "ingestion_asset_checks", "ingestion_assets", "raw_key"]
