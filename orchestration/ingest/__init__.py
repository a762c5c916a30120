"""Ingestion: landing files -> DuckDB raw.* (the contract in raw_schema.sql), exactly once, bad input
quarantined with a reason, prompt/completion content never stored. See docs/INGESTION.md.

Public API:
    SOURCES                      source names, in load order
    ensure_raw_schema(con)       create every raw table (absent sources -> empty tables)
    ingest_source(con, source, landing_dir, *, now=None) -> SourceLoadResult
    ingest_all(settings, *, now=None) -> IngestReport   every source, then the rate card and the model map
    load_rate_card(con), load_model_map(con)
    outstanding_rejections(con, landing_dir)           rejected files still in the landing folder
"""

from __future__ import annotations

from orchestration.ingest.loader import (
    CRASH_ENV_VAR,
    SOURCES,
    FileResult,
    InjectedCrash,
    RejectedFile,
    SourceLoadResult,
    ensure_raw_schema,
    ingest_source,
    outstanding_rejections,
)
from orchestration.ingest.pricing import ModelMapSummary, load_model_map, load_rate_card
from orchestration.ingest.report import IngestReport, ingest_all

__all__ = [
    "CRASH_ENV_VAR",
    "SOURCES",
    "FileResult",
    "IngestReport",
    "InjectedCrash",
    "ModelMapSummary",
    "RejectedFile",
    "SourceLoadResult",
    "ensure_raw_schema",
    "ingest_all",
    "ingest_source",
    "load_model_map",
    "load_rate_card",
    "outstanding_rejections",
]
