"""Ingest speed against the bare DuckDB read of the same files.

    python -m orchestration.ingest.benchmark --otlp-spans 1000000 --canonical-rows 10000000 --work /tmp/ingest-bench

Writes synthetic files (OTLP/JSON lines: 50 spans per request line, two thirds of them LLM calls; canonical
Parquet split into files of a million rows), then times, each on a fresh DuckDB file:
  - bare OTLP: read_json + unnest of every span into a table (no validation, no lineage);
  - bare canonical: a read_parquet copy into a table;
  - ingest_source for each (sha256, manifest, validation, quarantine, dedup, one transaction per file).
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.ingest.loader import ingest_source

SPANS_PER_LINE = 50
ROWS_PER_FILE = 1_000_000


def write_otlp(path: Path, spans: int) -> None:
    """OTLP JSON lines built in DuckDB (fast to write, shaped like the Collector file exporter's output)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()

    def a(key: str, value: str, kind: str = "stringValue") -> str:
        """SQL building one attribute's JSON text."""
        return f"""'{{"key":"{key}","value":{{"{kind}":"' || {value} || '"}}}}'"""

    llm_attrs = " || ',' || ".join(
        [
            a("gen_ai.provider.name", "'openai'"),
            a("gen_ai.request.model", "'gpt-4o'"),
            a("gen_ai.response.model", "'gpt-4o-2024-08-06'"),
            a("gen_ai.operation.name", "'chat'"),
            a("gen_ai.usage.input_tokens", "(100 + i % 5000)::varchar", "intValue"),
            a("gen_ai.usage.output_tokens", "(1 + i % 900)::varchar", "intValue"),
            a("gen_ai.usage.cache_read.input_tokens", "(i % 64)::varchar", "intValue"),
        ]
    )
    tag_attrs = " || ',' || ".join(
        [
            a("app.feature", "'draft-email'"),
            a("app.tenant.id", "'t-' || lpad((i % 40)::varchar, 3, '0')"),
            a("user.id", "'u-' || (i % 997)::varchar"),
        ]
    )
    span = (
        "'{\"traceId\":\"' || lpad(upper(to_hex(i // 3)), 32, '0') || '\",\"spanId\":\"' || lpad(to_hex(i), 16, '0') "
        '|| \'","parentSpanId":"","name":"chat gpt-4o","kind":3,"startTimeUnixNano":"\' '
        '|| (1767225600000000000 + i * 1000000123)::varchar || \'","endTimeUnixNano":"\' '
        '|| (1767225600812345678 + i * 1000000123)::varchar || \'","attributes":[\' '
        f"|| {tag_attrs} || case when i % 3 <> 0 then ',' || {llm_attrs} else '' end "
        '|| \'],"status":{"code":1}}\''
    )
    resource = '{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"mail-api"}},' + (
        '{"key":"deployment.environment.name","value":{"stringValue":"production"}}]},'
    )
    con.execute(
        f"""
        copy (
            select '{{"resourceSpans":[{resource}"scopeSpans":[{{"scope":{{"name":"openai"}},"spans":['
                   || string_agg(span, ',' order by i) || ']}}]}}]}}' as line
            from (select i, {span} as span from range({spans}) t(i))
            group by i // {SPANS_PER_LINE} order by i // {SPANS_PER_LINE}
        ) to '{path}' (format csv, header false, quote '', escape '', delimiter '\x1f')"""
    )
    con.close()


def write_canonical(folder: Path, rows: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    for part, start in enumerate(range(0, rows, ROWS_PER_FILE)):
        count = min(ROWS_PER_FILE, rows - start)
        con.execute(
            f"""
            copy (
                select 'call-' || i as call_id, 'trace-' || (i // 3) as trace_id,
                       case when i % 3 > 0 then 'call-' || (i - i % 3) end as parent_call_id,
                       timestamp '2026-01-01' + to_microseconds(i * 250000) as started_at,
                       case when i % 10 = 0 then 'staging' else 'production' end as environment,
                       case when i % 2 = 0 then 'openai' else 'anthropic' end as provider,
                       case when i % 2 = 0 then 'gpt-4o' else 'claude-sonnet-4-5' end as model,
                       null::varchar as response_model, 'chat' as operation,
                       'feature-' || (i % 12) as feature, 't-' || (i % 40) as tenant_id, 'u-' || (i % 5000) as user_id,
                       null::varchar as session_id, 'pro' as plan_tier, (i % 7 = 0)::int as attempt, 'ok' as status,
                       (1000 + i % 9000)::bigint as input_tokens, (i % 512)::bigint as cache_read_tokens,
                       (i % 128)::bigint as cache_write_tokens, 0::bigint as cache_write_1h_tokens,
                       (50 + i % 700)::bigint as output_tokens, 0::bigint as reasoning_tokens,
                       (300 + i % 4000)::bigint as latency_ms
                from range({start}, {start + count}) t(i)
            ) to '{folder}/calls-{part:04d}.parquet' (format parquet)"""
        )
    con.close()


def _timed(label: str, work) -> float:
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.1f} s", flush=True)
    return seconds


def _connect(database: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(database))
    con.execute("set enable_progress_bar = false")
    return con


def bare_otlp(database: Path, path: Path) -> None:
    con = _connect(database)
    con.execute(
        f"""create table spans as
        select unnest(ss.spans) as span from (
            select unnest(rs.scopeSpans) as ss from (
                select unnest(resourceSpans) as rs
                from read_json('{path}', format = 'newline_delimited', maximum_object_size = 1000000000)))"""
    )
    con.close()


def bare_canonical(database: Path, folder: Path) -> None:
    con = _connect(database)
    con.execute(f"create table calls as select * from read_parquet('{folder}/*.parquet')")
    con.close()


def ingest(database: Path, landing: Path, source: str) -> None:
    con = _connect(database)
    result = ingest_source(con, source, landing, now=datetime(2030, 1, 1, tzinfo=UTC))
    con.execute("checkpoint")
    con.close()
    assert result.rows_quarantined == 0 and not result.rejected_files, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--otlp-spans", type=int, default=1_000_000)
    parser.add_argument("--canonical-rows", type=int, default=10_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/aicost-ingest-bench"))
    parser.add_argument("--keep-files", action="store_true", help="reuse files from an earlier run")
    args = parser.parse_args()
    landing = args.work / "landing"
    otlp_file = landing / "traces/otlp/bench.jsonl"
    canonical = landing / "traces/canonical"
    if not args.keep_files or not otlp_file.exists():
        shutil.rmtree(landing, ignore_errors=True)
        if args.otlp_spans:
            _timed(f"write {args.otlp_spans:,} OTLP spans", lambda: write_otlp(otlp_file, args.otlp_spans))
        if args.canonical_rows:
            _timed(
                f"write {args.canonical_rows:,} canonical rows", lambda: write_canonical(canonical, args.canonical_rows)
            )
    figures: dict[str, float] = {}
    for name, work in (
        ("bare_otlp", lambda db: bare_otlp(db, otlp_file)),
        ("ingest_otlp", lambda db: ingest(db, landing, "otlp")),
        ("bare_canonical", lambda db: bare_canonical(db, canonical)),
        ("ingest_canonical", lambda db: ingest(db, landing, "canonical")),
    ):
        if ("otlp" in name and not args.otlp_spans) or ("canonical" in name and not args.canonical_rows):
            continue
        database = args.work / f"{name}.duckdb"
        for stale in (database, database.with_name(database.name + ".wal")):
            stale.unlink(missing_ok=True)
        figures[name] = _timed(name, lambda db=database, w=work: w(db))
        database.unlink(missing_ok=True)
    if "ingest_otlp" in figures:
        figures["otlp_ratio"] = figures["ingest_otlp"] / figures["bare_otlp"]
    if "ingest_canonical" in figures:
        figures["canonical_ratio"] = figures["ingest_canonical"] / figures["bare_canonical"]
    size = otlp_file.stat().st_size if otlp_file.exists() else 0
    print(json.dumps({"otlp_spans": args.otlp_spans, "otlp_bytes": size, "canonical_rows": args.canonical_rows,
                      **{k: round(v, 2) for k, v in figures.items()}}))  # fmt: skip


if __name__ == "__main__":
    main()
