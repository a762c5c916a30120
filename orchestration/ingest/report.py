"""One call that loads everything (for the CLI summary, tests and the benchmark) and its report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from orchestration import warehouse
from orchestration.ingest.config import IngestConfig, load_config
from orchestration.ingest.loader import SOURCES, RejectedFile, SourceLoadResult, ensure_raw_schema, ingest_source
from orchestration.ingest.pricing import ModelMapSummary, load_model_map, load_rate_card
from orchestration.settings import Settings


@dataclass
class IngestReport:
    sources: dict[str, SourceLoadResult] = field(default_factory=dict)
    rate_card_rows: int = 0
    model_map: ModelMapSummary | None = None

    @property
    def rejected_files(self) -> list[RejectedFile]:
        return [rejected for result in self.sources.values() for rejected in result.rejected_files]

    @property
    def rows_loaded(self) -> int:
        return sum(r.rows_loaded for r in self.sources.values())

    @property
    def rows_quarantined(self) -> int:
        return sum(r.rows_quarantined for r in self.sources.values())

    def summary_rows(self) -> list[dict[str, object]]:
        """One row per source: files (seen, loaded, unchanged, replaced, rejected), rows loaded, quarantined
        by reason, skipped."""
        return [
            {
                "source": name,
                "files_seen": r.files_seen,
                "files_loaded": r.files_loaded,
                "files_unchanged": r.files_unchanged,
                "files_replaced": r.files_replaced,
                "files_rejected": r.files_rejected,
                "rows_loaded": r.rows_loaded,
                "rows_quarantined": r.rows_quarantined,
                "quarantined_by_reason": r.quarantined_by_reason,
                "rows_skipped": r.rows_skipped,
            }
            for name, r in self.sources.items()
        ]

    def format_summary(self) -> str:
        """A plain-text table of summary_rows() plus the rate card, the model map and rejected files."""
        header = ("source", "files", "rows loaded", "quarantined", "skipped")
        lines = []
        for row in self.summary_rows():
            files = f"{row['files_seen']}"
            notes = [
                f"{row[k]} {k.removeprefix('files_')}"
                for k in ("files_loaded", "files_unchanged", "files_rejected")
                if row[k]
            ]
            if notes:
                files += f" ({', '.join(notes)})"
            reasons = row["quarantined_by_reason"]
            quarantined = ", ".join(f"{reason} {n}" for reason, n in reasons.items()) if reasons else "0"  # type: ignore[union-attr]
            lines.append(
                (str(row["source"]), files, f"{row['rows_loaded']:,}", quarantined, f"{row['rows_skipped']:,}")
            )
        widths = [max(len(str(c)) for c in column) for column in zip(header, *lines, strict=False)]
        render = [
            "  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in (header, *lines)
        ]
        render.append(f"rate card: {self.rate_card_rows:,} rows")
        if self.model_map:
            render.append(f"model map: {self.model_map.observed} model strings, {self.model_map.unmatched} unmatched")
        for rejected in self.rejected_files:
            render.append(f"REJECTED {rejected.file_path}: {rejected.reason}: {rejected.error}")
        return "\n".join(render)


def ingest_all(settings: Settings, *, now: datetime | None = None, config: IngestConfig | None = None) -> IngestReport:
    """Every source in order, then the rate card and the model map, on one connection."""
    config = config or load_config()
    report = IngestReport()
    with warehouse.connect(settings) as con:
        # One transaction per file; without this, DuckDB checkpoints whenever the WAL passes 16 MB, i.e.
        # after nearly every trace file. The run checkpoints once at the end instead.
        con.execute("set checkpoint_threshold = '1GB'")
        ensure_raw_schema(con)
        for source in SOURCES:
            report.sources[source] = ingest_source(con, source, settings.landing_dir, now=now, config=config)
        report.rate_card_rows = load_rate_card(con)
        report.model_map = load_model_map(con)
        con.execute("checkpoint")
    return report
