"""The benchmark's pure pieces (orchestration/bench.py): medians, ratios, slopes, target verdicts, the
results schema and the docs table, the workload split, and the floors' pricing query against
genai_prices.calc_price. Nothing here is timed."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration import bench


def _figure(seconds: float, peak_gb: float = 1.0, runs: int = 3) -> dict:
    return {"seconds": seconds, "peak_gb": peak_gb, "max_peak_gb": peak_gb, "runs": [seconds] * runs}


def _size(
    calls: int, ingest: float, build: float, inc_ingest: float, inc_build: float, scan: float, mat: float
) -> dict:
    return {
        "calls": calls,
        "steps": {
            "ingest": _figure(ingest),
            "build": _figure(build, 2.5),
            "incremental_ingest": _figure(inc_ingest),
            "incremental_build": _figure(inc_build),
            "report": _figure(1.0),
        },
        "floors": {"scan_floor": _figure(scan, 0.5), "materialized_floor": _figure(mat, 0.8)},
    }


def _results() -> dict:
    return {
        "schema_version": bench.SCHEMA_VERSION,
        "generated_at": "2026-11-22T09:00:00+00:00",
        "machine": {
            "cores": 2,
            "ram_gb": 23.4,
            "cpu": "x",
            "os": "Linux",
            "python": "3.11",
            "versions": {"duckdb": "2"},
        },
        "settings": {
            "duckdb_memory_limit": "3GB",
            "duckdb_threads": 2,
            "duckdb_temp_dir": "t",
            "dbt_threads": 2,
            "dbt_command": "dbt build",
        },
        "command": "aicost bench",
        "runs": 3,
        "days": 30,
        "sizes": {
            "1000000": _size(1_000_000, 4.0, 10.0, 1.0, 2.0, 0.1, 1.0),
            "10000000": _size(10_000_000, 22.0, 28.0, 2.0, 5.0, 0.9, 8.2),
        },
        "peers": {
            "pricing": {"speedup": 1200.0},
            "tail": {"pandas_seconds": 2.0, "model_seconds": 1.0},
        },
    }


def test_median_and_summary_use_the_middle_run_and_keep_the_worst_peak() -> None:
    assert bench.median([3.0, 1.0, 2.0]) == 2.0
    assert bench.median([4.0, 1.0, 2.0, 3.0]) == 2.5
    with pytest.raises(ValueError):
        bench.median([])
    samples = [
        bench.Measurement(10.0, 2 * bench.GB),
        bench.Measurement(30.0, 3 * bench.GB),
        bench.Measurement(20.0, 1 * bench.GB),
    ]
    summary = bench.summarize(samples)
    assert summary["seconds"] == 20.0
    assert summary["peak_gb"] == 2.0
    assert summary["max_peak_gb"] == 3.0
    assert summary["runs"] == [10.0, 30.0, 20.0]


def test_ratio_and_slope() -> None:
    assert bench.ratio(49.2, 8.2) == 6.0
    assert bench.ratio(1.0, 0.0) is None
    # 1M -> 10M: (50 - 5) s over 9 extra million calls = 5 s per million.
    assert bench.slope({1_000_000: 5.0, 10_000_000: 50.0}) == pytest.approx(5.0)
    assert bench.slope({10_000_000: 50.0, 1_000_000: 5.0, 5_000_000: 99.0}) == pytest.approx(5.0)
    assert bench.slope({1_000_000: 5.0}) is None


def test_workload_sizes_keep_the_base_at_the_requested_calls() -> None:
    assert bench.workload_days_split(30) == (31, 30)
    assert bench.generated_calls(1_000_000, 30) == 1_033_333
    assert bench.generated_calls(10_000_000, 30) == 10_333_333


def test_derive_computes_ratios_slopes_and_verdicts() -> None:
    results = bench.derive(_results())
    large = results["sizes"]["10000000"]
    assert large["ratios"]["ingest_plus_build"]["vs_materialized_floor"] == pytest.approx(50.0 / 8.2, abs=0.01)
    assert large["ratios"]["build"]["vs_scan_floor"] == pytest.approx(28.0 / 0.9, abs=0.01)
    assert large["incremental_share_of_full"] == pytest.approx(7.0 / 50.0, abs=1e-4)
    assert large["peak_gb"] == 2.5
    # ingest + build: 14 s at 1M, 50 s at 10M -> 4 s per extra million; the floor: 7.2 / 9 = 0.8.
    slopes = results["slopes"]
    assert slopes["ingest_plus_build"]["seconds_per_million"] == pytest.approx(4.0)
    assert slopes["materialized_floor"]["seconds_per_million"] == pytest.approx(0.8)
    assert slopes["ingest_plus_build"]["vs_materialized_floor"] == pytest.approx(5.0)
    verdicts = {t["target"]: t["met"] for t in results["targets"]}
    assert verdicts == {
        "10M: ingest + full build (s)": True,
        "10M: ingest + full build / materialized floor": False,  # 6.1x > 6x
        "10M: peak memory (GB)": True,
        "10M: nightly incremental / (ingest + full build)": True,  # 14% <= 15%
        "slope of ingest + full build / slope of the materialized floor": True,
        "SQL pricing speed-up over per-row calc_price (x)": True,
    }
    assert bench.validate_results(results) == []


def test_targets_are_not_loosened() -> None:
    slow = _results()
    slow["sizes"]["10000000"]["steps"]["build"] = _figure(60.0, 4.2)
    slow["peers"]["pricing"]["speedup"] = 499.0
    verdicts = {t["target"]: t for t in bench.derive(slow)["targets"]}
    assert verdicts["10M: ingest + full build (s)"]["met"] is False  # 82 s
    assert verdicts["10M: peak memory (GB)"]["met"] is False
    assert verdicts["SQL pricing speed-up over per-row calc_price (x)"]["met"] is False
    assert verdicts["10M: ingest + full build (s)"]["limit"] == 60.0


def test_validate_results_names_what_is_missing() -> None:
    results = bench.derive(_results())
    broken = copy.deepcopy(results)
    del broken["machine"]
    broken["sizes"]["1000000"]["steps"]["report"]["runs"] = [1.0]
    del broken["sizes"]["10000000"]["floors"]["scan_floor"]
    problems = bench.validate_results(broken)
    assert "missing machine" in problems
    assert "size 1000000: step report lacks 3 runs" in problems
    assert "size 10000000: missing scan_floor" in problems


def test_docs_section_is_replaced_in_place(tmp_path: Path) -> None:
    results = bench.derive(_results())
    doc = tmp_path / "BENCHMARKS.md"
    doc.write_text(f"# Benchmarks\n\nintro\n\n{bench.DOC_BEGIN}\nold table\n{bench.DOC_END}\n\n## Notes\nkept\n")
    results["sizes"]["1000000"]["peers"] = results["sizes"]["10000000"]["peers"] = {
        "pricing": {"calc_price_seconds_per_million": 250.0, "sql_seconds_per_million": 0.1, "speedup": 2500.0},
        "tail": {"pandas_seconds": 2.0, "model_seconds": 1.0, "speedup": 2.0},
    }
    bench.write_doc(results, doc)
    text = doc.read_text()
    assert "old table" not in text
    assert text.startswith("# Benchmarks\n\nintro\n") and text.endswith("## Notes\nkept\n")
    assert "| **ingest + full build** | 14.0 |" in text
    assert "| 10M: ingest + full build / materialized floor | 6.098 | ≤ 6 | **missed** |" in text
    assert text.count(bench.DOC_BEGIN) == 1


def test_split_workload_holds_back_the_last_day_of_traces(tmp_path: Path) -> None:
    for relative in (
        "traces/canonical/date=2026-08-01/calls-0000.parquet",
        "traces/canonical/date=2026-08-02/calls-0000.parquet",
        "invoices/openai/costs_2026-08-01_p0001.json",
        "product/mau/mau_2026-08.csv",
        bench.WORKLOAD_MARKER,
    ):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("x")
    base, new_day = bench.split_workload(tmp_path)
    assert new_day == [Path("traces/canonical/date=2026-08-02/calls-0000.parquet")]
    assert Path("traces/canonical/date=2026-08-01/calls-0000.parquet") in base
    assert Path(bench.WORKLOAD_MARKER) not in base
    assert len(base) == 3
    landing = tmp_path / "landing"
    bench.stage(tmp_path, base, landing)
    staged = sorted(p.relative_to(landing) for p in landing.rglob("*") if p.is_file())
    assert staged == sorted(base)
    assert all(not (landing / p).is_symlink() for p in staged)


def test_tree_rss_counts_this_process() -> None:
    import os

    if not Path("/proc/self/statm").exists():
        pytest.skip("no /proc on this platform")
    assert bench.tree_rss_bytes(os.getpid()) > 10 * 1024 * 1024


def test_floor_pricing_agrees_with_calc_price(built_warehouse: Path, tmp_path: Path) -> None:
    """The floors price calls with the bare rate-card join; on a sample of the built warehouse's calls
    (re-shaped as canonical Parquet records) it must give calc_price's cost to 1e-9 USD."""
    parquet = tmp_path / "calls.parquet"
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(
            f"""copy (
                select call_id, trace_id, feature, environment, provider_observed as provider, model, response_model,
                       started_at::timestamptz as started_at,
                       uncached_input_tokens + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens
                           as input_tokens,
                       cache_read_tokens, cache_write_5m_tokens + cache_write_1h_tokens as cache_write_tokens,
                       cache_write_1h_tokens, output_tokens, reasoning_tokens
                from marts.fct_llm_calls
                where is_priced and not has_price_override and source = 'otlp'
                order by hash(call_id) limit 400
            ) to '{parquet}' (format parquet)"""
        )
        rows = con.execute(
            """select f.call_id, f.provider, f.price_model_ref, f.started_at, f.uncached_input_tokens,
                      f.cache_read_tokens, f.cache_write_5m_tokens, f.cache_write_1h_tokens, f.output_tokens,
                      f.reasoning_tokens, f.cost_usd
               from marts.fct_llm_calls f
               where f.call_id in (select call_id from read_parquet(?))""",
            [str(parquet)],
        ).fetchall()
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"attach '{built_warehouse}' as src (read_only)")
    for statement in bench.FLOOR_RATE_CARD_SETUP:
        con.execute(statement)
    floor = dict(con.execute(f"select call_id, cost_usd from ({bench.floor_priced_sql([parquet])})").fetchall())
    assert len(rows) == len(floor) >= 300
    tiers_or_cache = 0
    for row in rows:
        call_id, expected_model_cost = row[0], row[10]
        oracle = bench.calc_price_row(row[1:])
        assert abs(floor[call_id] - oracle) <= Decimal("1e-9"), (call_id, floor[call_id], oracle)
        assert abs(expected_model_cost - oracle) <= Decimal("1e-9")
        tiers_or_cache += row[5] > 0 or row[6] > 0
    assert tiers_or_cache > 0, "the sample should exercise cache pricing"


def test_readme_headline_quotes_the_largest_size(tmp_path: Path) -> None:
    results = bench.derive(_results())
    results["peers"] = {
        "pricing": {"calc_price_seconds_per_million": 250.0, "sql_seconds_per_million": 0.1, "speedup": 2500.0},
        "tail": {"pandas_seconds": 2.0, "model_seconds": 1.0, "speedup": 2.0},
    }
    readme = tmp_path / "README.md"
    readme.write_text(f"# X\n\n{bench.HEADLINE_BEGIN}\nold\n{bench.HEADLINE_END}\n\n## Next\n")
    assert bench.write_readme_headline(results, readme)
    text = readme.read_text()
    assert "old" not in text and text.endswith("\n\n## Next\n")
    assert "10M calls" in text
    assert "ingest + full build 50 s = 6.1× the materialized floor (8.2 s)" in text
    assert "14% of ingest + full build" in text
    assert "2500× faster per call" in text
    assert bench.write_readme_headline(results, tmp_path / "missing.md") is False
