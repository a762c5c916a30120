"""The benchmark: `aicost bench` (`make bench`), documented in docs/BENCHMARKS.md.

For each size (calls in the 30-day base) it generates, or reuses, the canonical Parquet workload
(bench/workload/calls_<N>_days_<D>: D + 1 days, every trace as canonical Parquet, plus the invoices,
usage and product files), then, in each of `runs` rounds, on a fresh warehouse file under bench/work:

    ingest               ingest_all over the base landing (every file but the last day's traces)
    build                dbt build (models, seeds, data tests) on the fresh warehouse
    incremental_ingest   the last day's trace file lands; ingest_all again (loads only that file)
    incremental_build    dbt build again: fct_llm_calls reprocesses its look-back window only
    report               aicost report (the HTML report from the marts)

and the two floors on the same Parquet files: the scan floor (one query: read the Parquet once, join
the rate card, cost per feature per day with an exact p95) and the materialized floor (CREATE TABLE AS
of the priced call fact, then one per-trace and one per-feature-day aggregate). Every step runs in its
own process; its wall time and the peak resident memory of its whole process tree (dbt included) are
measured from here (/proc polling plus the kernel's ru_maxrss). Each figure is the median of the runs.

The peers, once per size on the last round's warehouse, each timed PEER_RUNS times (the median is the
figure): per-row `genai_prices.calc_price` over 100k calls (what a pandas `.apply` does), against our
SQL pricing per million calls (the int_llm_calls_priced model's compiled query: the pricing stage alone,
which reads the deduplicated calls, before attribution); pandas groupby + quantile for the tail mart on
the same data, against the tail_cost_monthly model's time in dbt's run_results.json.

Results: bench/results.json and the table in docs/BENCHMARKS.md (regenerated each run).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from orchestration.settings import REPO_ROOT

SCHEMA_VERSION = 1
BENCH_DIR = REPO_ROOT / "bench"
WORKLOAD_ROOT = BENCH_DIR / "workload"
WORK_ROOT = BENCH_DIR / "work"
RESULTS_PATH = BENCH_DIR / "results.json"
DOC_PATH = REPO_ROOT / "docs" / "BENCHMARKS.md"

# DuckDB settings of every benchmark process (dbt reads the same variables in profiles.yml). The memory
# limit bounds DuckDB's buffer pool; Python, dbt and DuckDB's own bookkeeping come on top, so 3 GB keeps
# the whole process tree inside the 4 GB target.
BENCH_MEMORY_LIMIT = "3GB"
BENCH_THREADS = 2

TENANTS = 40
SEED = 7
PEER_CALLS = 100_000
PEER_RUNS = 3
GB = 1024**3

PRICED_MODEL_SQL = Path("compiled/ai_cost_allocation/models/intermediate/int_llm_calls_priced.sql")
STEPS = ("ingest", "build", "incremental_ingest", "incremental_build", "report")
FLOORS = ("scan_floor", "materialized_floor")
WORKLOAD_MARKER = "bench_workload.json"

# Targets of issue 8 (never loosened here; the report says met or missed).
TARGET_BUILD_SECONDS_10M = 60.0
TARGET_BUILD_VS_MATERIALIZED = 6.0
TARGET_PEAK_GB = 4.0
TARGET_SLOPE_VS_MATERIALIZED = 6.0
TARGET_INCREMENTAL_SHARE = 0.15
TARGET_PRICING_SPEEDUP = 500.0


# ----------------------------------------------------------------------------------------------------
# Pure pieces (unit-tested in orchestration_tests/test_bench.py)


@dataclass
class Measurement:
    seconds: float
    peak_rss_bytes: int
    detail: dict = field(default_factory=dict)


def median(values: Iterable[float]) -> float:
    values = list(values)
    if not values:
        raise ValueError("median of no values")
    return float(statistics.median(values))


def summarize(samples: Sequence[Measurement]) -> dict:
    """Median seconds and median peak memory over the runs, with the maximum peak and every run kept."""
    if not samples:
        raise ValueError("no samples")
    return {
        "seconds": round(median(s.seconds for s in samples), 3),
        "peak_gb": round(median(s.peak_rss_bytes for s in samples) / GB, 3),
        "max_peak_gb": round(max(s.peak_rss_bytes for s in samples) / GB, 3),
        "runs": [round(s.seconds, 3) for s in samples],
    }


def ratio(value: float, floor: float) -> float | None:
    """value / floor, None when the floor is not positive (no meaningful ratio)."""
    if floor <= 0:
        return None
    return round(value / floor, 2)


def slope(points: dict[int, float]) -> float | None:
    """Seconds per extra million calls between the smallest and the largest size; None with one size."""
    if len(points) < 2:
        return None
    low, high = min(points), max(points)
    return (points[high] - points[low]) / ((high - low) / 1_000_000)


def workload_days_split(days: int) -> tuple[int, int]:
    """(days generated, days in the base): one extra day is the nightly increment."""
    return days + 1, days


def generated_calls(calls: int, days: int) -> int:
    """Calls to generate over days + 1 days so that the base (`days` days) holds about `calls` calls."""
    return round(calls * (days + 1) / days)


def build_seconds(size: dict) -> float:
    """Ingest + full build, the figure the targets speak of."""
    steps = size["steps"]
    return steps["ingest"]["seconds"] + steps["build"]["seconds"]


def incremental_seconds(size: dict) -> float:
    steps = size["steps"]
    return steps["incremental_ingest"]["seconds"] + steps["incremental_build"]["seconds"]


def derive(results: dict) -> dict:
    """Ratios, slopes and target verdicts from the measured figures (filled into `results`)."""
    sizes = {int(k): v for k, v in results["sizes"].items()}
    for size in sizes.values():
        scan = size["floors"]["scan_floor"]["seconds"]
        materialized = size["floors"]["materialized_floor"]["seconds"]
        figures = {name: step["seconds"] for name, step in size["steps"].items()}
        figures["ingest_plus_build"] = build_seconds(size)
        figures["nightly_incremental"] = incremental_seconds(size)
        figures.update({name: floor["seconds"] for name, floor in size["floors"].items()})
        size["ratios"] = {
            name: {"vs_scan_floor": ratio(value, scan), "vs_materialized_floor": ratio(value, materialized)}
            for name, value in figures.items()
        }
        size["incremental_share_of_full"] = round(incremental_seconds(size) / build_seconds(size), 4)
        size["incremental_build_share_of_build"] = round(
            size["steps"]["incremental_build"]["seconds"] / size["steps"]["build"]["seconds"], 4
        )
        size["peak_gb"] = max(
            [s["max_peak_gb"] for s in size["steps"].values()] + [f["max_peak_gb"] for f in size["floors"].values()]
        )
    series = {
        "ingest": {n: s["steps"]["ingest"]["seconds"] for n, s in sizes.items()},
        "build": {n: s["steps"]["build"]["seconds"] for n, s in sizes.items()},
        "ingest_plus_build": {n: build_seconds(s) for n, s in sizes.items()},
        "nightly_incremental": {n: incremental_seconds(s) for n, s in sizes.items()},
        "report": {n: s["steps"]["report"]["seconds"] for n, s in sizes.items()},
        "scan_floor": {n: s["floors"]["scan_floor"]["seconds"] for n, s in sizes.items()},
        "materialized_floor": {n: s["floors"]["materialized_floor"]["seconds"] for n, s in sizes.items()},
    }
    slopes = {name: slope(points) for name, points in series.items()}
    results["slopes"] = {
        name: {
            "seconds_per_million": None if value is None else round(value, 3),
            "vs_scan_floor": ratio(value, slopes["scan_floor"]) if value is not None and slopes["scan_floor"] else None,
            "vs_materialized_floor": (
                ratio(value, slopes["materialized_floor"])
                if value is not None and slopes["materialized_floor"]
                else None
            ),
        }
        for name, value in slopes.items()
    }
    results["targets"] = evaluate_targets(results)
    return results


def evaluate_targets(results: dict) -> list[dict]:
    """Each target of issue 8 at the largest size measured: value, limit, met."""
    sizes = {int(k): v for k, v in results["sizes"].items()}
    largest = sizes[max(sizes)]
    label = f"{max(sizes) / 1e6:g}M"
    targets = [
        _target(
            f"{label}: ingest + full build (s)",
            build_seconds(largest),
            TARGET_BUILD_SECONDS_10M,
        ),
        _target(
            f"{label}: ingest + full build / materialized floor",
            build_seconds(largest) / largest["floors"]["materialized_floor"]["seconds"],
            TARGET_BUILD_VS_MATERIALIZED,
        ),
        _target(f"{label}: peak memory (GB)", largest["peak_gb"], TARGET_PEAK_GB),
        _target(
            f"{label}: nightly incremental / (ingest + full build)",
            largest["incremental_share_of_full"],
            TARGET_INCREMENTAL_SHARE,
        ),
    ]
    build_slope = results["slopes"]["ingest_plus_build"]["vs_materialized_floor"]
    if build_slope is not None:
        targets.append(_target("slope of ingest + full build / slope of the materialized floor", build_slope, 6.0))
    pricing = (results.get("peers") or {}).get("pricing")
    if pricing:
        targets.append(
            _target(
                "SQL pricing speed-up over per-row calc_price (x)",
                pricing["speedup"],
                TARGET_PRICING_SPEEDUP,
                at_least=True,
            )
        )
    return targets


def _target(name: str, value: float, limit: float, *, at_least: bool = False) -> dict:
    met = value >= limit if at_least else value <= limit
    return {"target": name, "value": round(value, 3), "limit": limit, "at_least": at_least, "met": bool(met)}


REQUIRED_KEYS = ("schema_version", "generated_at", "machine", "settings", "command", "runs", "days", "sizes")
REQUIRED_SIZE_KEYS = ("calls", "steps", "floors", "ratios", "incremental_share_of_full", "peak_gb")


def validate_results(results: dict) -> list[str]:
    """Problems with a results document (empty when it has every figure the docs table reads)."""
    problems = [f"missing {key}" for key in REQUIRED_KEYS if key not in results]
    for name, size in (results.get("sizes") or {}).items():
        problems += [f"size {name}: missing {key}" for key in REQUIRED_SIZE_KEYS if key not in size]
        wanted = size.get("runs", results.get("runs", 1))
        for step in STEPS:
            figure = (size.get("steps") or {}).get(step)
            if not figure or len(figure.get("runs", [])) < wanted:
                problems.append(f"size {name}: step {step} lacks {wanted} runs")
        for floor in FLOORS:
            if floor not in (size.get("floors") or {}):
                problems.append(f"size {name}: missing {floor}")
    for target in results.get("targets", []):
        if not isinstance(target.get("met"), bool):
            problems.append(f"target {target.get('target')}: met is not a boolean")
    return problems


# ----------------------------------------------------------------------------------------------------
# SQL of the floors and of the pricing peer (no dbt: the bare engine on the same files)


def _floor_cost(prefix: str) -> str:
    """The floor's cost of one call from the rate-card prices named <prefix><key> (llm_call_cost's rules)."""
    r = "r." + prefix
    reasoning = "case when r.output_reasoning_mtok is not null then c.reasoning_tokens else 0 end"
    terms = (
        ("c.input_tokens - c.cache_read_tokens - c.cache_write_tokens", f"{r}input_mtok", "0.000001"),
        ("c.cache_read_tokens", f"{r}cache_read_mtok, {r}input_mtok", "0.000001"),
        ("c.cache_write_tokens - c.cache_write_1h_tokens", f"{r}cache_write_mtok, {r}input_mtok", "0.000001"),
        ("c.cache_write_1h_tokens", f"{r}cache_write_1h_mtok, {r}cache_write_mtok, {r}input_mtok", "0.000001"),
        (f"c.output_tokens - {reasoning}", f"{r}output_mtok", "0.000001"),
        (reasoning, f"{r}output_reasoning_mtok", "0.000001"),
        ("1", f"{r}requests_kcount", "0.001"),
    )
    return "\n            + ".join(
        f"cast({units} as bigint) * coalesce({prices}, 0) * {per}" for units, prices, per in terms
    )


# The same exact arithmetic as the model (llm_call_cost): a rate-card row whose prices fit decimal(18, 6)
# per million tokens and decimal(18, 9) per thousand requests is priced in those 64-bit types, already
# exact at money scale 12 (no rounding cast); any other row at decimal(38, 18), rounded to money once.
# (Like before, the floor applies no price overrides.)
FLOOR_PRICED_SQL = """
select
    c.call_id,
    c.trace_id,
    c.feature,
    cast(c.started_at as date) as call_date,
    c.environment,
    case
        when coalesce(r.is_fast, true) then ({fast_cost})
        else cast({exact_cost} as decimal(38, 12))
    end as cost_usd
from read_parquet({files}) as c
left join floor_model_map as m
    on coalesce(c.provider, '') = m.observed_provider
    and coalesce(c.response_model, c.model) = m.observed_model
left join floor_rate_card as r
    on m.is_matched
    and m.price_provider_id = r.price_provider_id
    and m.model_id = r.model_id
    and cast(c.started_at as timestamp) >= r.valid_from
    and (r.valid_to is null or cast(c.started_at as timestamp) < r.valid_to)
    and extract(epoch from cast(c.started_at as timestamp) - date_trunc('day', cast(c.started_at as timestamp)))
        >= r.tod_start_second
    and extract(epoch from cast(c.started_at as timestamp) - date_trunc('day', cast(c.started_at as timestamp)))
        < r.tod_end_second
    and (r.tier_start_tokens = 0 or c.input_tokens > r.tier_start_tokens)
    and (r.tier_end_tokens is null or c.input_tokens <= r.tier_end_tokens)
"""
FLOOR_PRICED_SQL = FLOOR_PRICED_SQL.replace("{fast_cost}", _floor_cost("fast_")).replace(
    "{exact_cost}", _floor_cost("")
)

SCAN_FLOOR_SQL = """
select feature, call_date, count(*) as calls, sum(cost_usd) as cost_usd,
       quantile_cont(cost_usd, 0.95) as p95_cost_usd
from ({priced}) as priced
group by feature, call_date
"""

MATERIALIZED_FLOOR_SQL = (
    "create table floor_calls as {priced}",
    """create table floor_traces as
    select trace_id, min(feature) as feature, min(call_date) as trace_date, count(*) as calls, sum(cost_usd) as cost_usd
    from floor_calls group by trace_id""",
    """create table floor_feature_days as
    select feature, call_date, count(*) as calls, sum(cost_usd) as cost_usd,
           quantile_cont(cost_usd, 0.95) as p95_cost_usd
    from floor_calls group by feature, call_date""",
)

# The rate card with its prices also in the fast types, and whether every price of the row fits them.
FLOOR_RATE_CARD_SQL = """
select
    *,
    cast(input_mtok as decimal(18, 6)) as fast_input_mtok,
    cast(cache_read_mtok as decimal(18, 6)) as fast_cache_read_mtok,
    cast(cache_write_mtok as decimal(18, 6)) as fast_cache_write_mtok,
    cast(cache_write_1h_mtok as decimal(18, 6)) as fast_cache_write_1h_mtok,
    cast(output_mtok as decimal(18, 6)) as fast_output_mtok,
    cast(output_reasoning_mtok as decimal(18, 6)) as fast_output_reasoning_mtok,
    cast(requests_kcount as decimal(18, 9)) as fast_requests_kcount,
    coalesce(input_mtok = round(input_mtok, 6), true)
    and coalesce(cache_read_mtok = round(cache_read_mtok, 6), true)
    and coalesce(cache_write_mtok = round(cache_write_mtok, 6), true)
    and coalesce(cache_write_1h_mtok = round(cache_write_1h_mtok, 6), true)
    and coalesce(output_mtok = round(output_mtok, 6), true)
    and coalesce(output_reasoning_mtok = round(output_reasoning_mtok, 6), true)
    and coalesce(requests_kcount = round(requests_kcount, 9), true) as is_fast
from {rate_card}
"""

FLOOR_RATE_CARD_SETUP = (
    "create table floor_rate_card as " + FLOOR_RATE_CARD_SQL.format(rate_card="src.raw.rate_card"),
    "create table floor_model_map as select * from src.raw.model_map",
)


def sql_list(paths: Iterable[Path | str]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def floor_priced_sql(files: Sequence[Path | str]) -> str:
    return FLOOR_PRICED_SQL.format(files=sql_list(files))


# ----------------------------------------------------------------------------------------------------
# Measuring a process tree


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields after the last ')' are fixed.
        fields = stat[stat.rfind(b")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def tree_rss_bytes(root: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc)."""
    children = _children_map()
    pending, total, page = [root], 0, os.sysconf("SC_PAGE_SIZE")
    while pending:
        pid = pending.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            pass
        pending += children.get(pid, [])
    return total


def run_measured(
    command: Sequence[str], *, env: dict[str, str], cwd: Path, log: Path, poll: float = 0.05
) -> Measurement:
    """Run a command, return its wall time and the peak RSS of its process tree; raise on failure."""
    log.parent.mkdir(parents=True, exist_ok=True)
    can_poll = Path("/proc/self/statm").exists()
    with log.open("w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        peak = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if can_poll:
                peak = max(peak, tree_rss_bytes(process.pid))
            time.sleep(poll)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss (KiB on Linux) covers the largest single process; the poll covers the sum of the tree.
    peak = max(peak, usage.ru_maxrss * 1024)
    if process.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise RuntimeError(f"{' '.join(command[:4])}... exited {process.returncode} (log {log}):\n{tail}")
    detail = {}
    marker = "BENCH_RESULT "
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith(marker):
            detail = json.loads(line[len(marker) :])
    return Measurement(seconds=seconds, peak_rss_bytes=peak, detail=detail)


# ----------------------------------------------------------------------------------------------------
# Workload


def workload_dir(calls: int, days: int) -> Path:
    return WORKLOAD_ROOT / f"calls_{calls}_days_{days}"


def ensure_workload(calls: int, days: int, echo: Callable[[str], None]) -> Path:
    """Generate the canonical Parquet workload once; later runs reuse it (checked by its marker)."""
    folder = workload_dir(calls, days)
    total_days, _ = workload_days_split(days)
    wanted = {
        "calls": calls,
        "days": days,
        "generated_calls": generated_calls(calls, days),
        "generated_days": total_days,
        "tenants": TENANTS,
        "seed": SEED,
        "otlp_max_calls": 0,
    }
    marker = folder / WORKLOAD_MARKER
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        echo(f"workload {folder} (reused)")
        return folder
    from orchestration.generate import generate_workload

    echo(f"generating {wanted['generated_calls']:,} calls over {total_days} days into {folder}")
    started = time.perf_counter()
    generate_workload(
        folder,
        calls=wanted["generated_calls"],
        days=total_days,
        tenants=TENANTS,
        seed=SEED,
        otlp_max_calls=0,
        force=True,
    )
    marker.write_text(json.dumps(wanted, indent=2))
    echo(f"  generated in {time.perf_counter() - started:.1f}s")
    return folder


def split_workload(folder: Path) -> tuple[list[Path], list[Path]]:
    """(base files, new-day files), relative to the workload folder: the new day is the last day's
    canonical trace files; everything else (earlier traces, invoices, usage, product data) is the base."""
    files = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file() and p.name not in (WORKLOAD_MARKER,))
    traces = [p for p in files if p.parts[:2] == ("traces", "canonical")]
    if not traces:
        raise RuntimeError(f"no canonical trace files in {folder}")
    last_day = max(p.parts[2] for p in traces)
    new_day = [p for p in traces if p.parts[2] == last_day]
    base = [p for p in files if p not in new_day]
    return base, new_day


def stage(folder: Path, files: Iterable[Path], landing: Path) -> None:
    """Put workload files into a landing folder as regular files (hard links when possible)."""
    for relative in files:
        target = landing / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            continue
        try:
            os.link(folder / relative, target)
        except OSError:
            shutil.copy2(folder / relative, target)


# ----------------------------------------------------------------------------------------------------
# The run


def machine_info() -> dict:
    def version(package: str) -> str | None:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = round(int(line.split()[1]) * 1024 / GB, 1)
    except OSError:
        pass
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "ram_gb": ram,
        "cpu": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            name: version(name)
            for name in ("duckdb", "dbt-core", "dbt-duckdb", "dagster", "dagster-dbt", "genai-prices", "pandas")
        },
    }


def _env(work: Path, warehouse: Path, landing: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        AICOST_WAREHOUSE=str(warehouse),
        AICOST_LANDING_DIR=str(landing),
        AICOST_DUCKDB_MEMORY_LIMIT=BENCH_MEMORY_LIMIT,
        AICOST_DUCKDB_THREADS=str(BENCH_THREADS),
        AICOST_DUCKDB_TEMP_DIR=str(work / "duckdb_tmp"),
        AICOST_REPORT=str(work / "report.html"),
        AICOST_DBT_TARGET="dev",
        DO_NOT_TRACK="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        # dbt's artifacts for the benchmark stay apart from the project's target/ (partial parsing is reused).
        DBT_TARGET_PATH=str(work.parent / "dbt_target"),
        DBT_LOG_PATH=str(work / "dbt_logs"),
    )
    return env


def _python(*args: str) -> list[str]:
    return [sys.executable, "-m", "orchestration.bench", *args]


def _dbt(*extra: str) -> list[str]:
    dbt = Path(sys.executable).parent / "dbt"
    return [str(dbt) if dbt.exists() else "dbt", "build", "--exclude-resource-type", "unit_test", *extra]


def _aicost_report() -> list[str]:
    aicost = Path(sys.executable).parent / "aicost"
    return [str(aicost) if aicost.exists() else "aicost", "report"]


def run_round(
    size: int, folder: Path, base: list[Path], new_day: list[Path], round_no: int, echo: Callable[[str], None]
) -> dict[str, Measurement]:
    work = WORK_ROOT / f"calls_{size}"
    shutil.rmtree(work, ignore_errors=True)
    landing, warehouse = work / "landing", work / "warehouse.duckdb"
    stage(folder, base, landing)
    env = _env(work, warehouse, landing)
    logs = work / "logs"
    measured: dict[str, Measurement] = {}

    def step(name: str, command: list[str]) -> None:
        measured[name] = run_measured(command, env=env, cwd=REPO_ROOT, log=logs / f"{name}.log")
        m = measured[name]
        echo(f"  [{size:,} run {round_no}] {name:<20} {m.seconds:8.2f}s  {m.peak_rss_bytes / GB:5.2f} GB")

    step("ingest", _python("worker-ingest"))
    # The nightly job's data test scope (orchestration.dbt_test_window): the same constant vars on both
    # builds, as in the Dagster job, so the nightly build keeps dbt's partial parse; the first build still
    # tests every row.
    from orchestration.dbt_test_window import DATA_TEST_WINDOW_VARS, dbt_vars_args

    step("build", _dbt(*dbt_vars_args(DATA_TEST_WINDOW_VARS)))
    target = Path(env["DBT_TARGET_PATH"])
    measured["build"].detail = dbt_timings(target / "run_results.json")
    # The pricing model's full-build SQL, for the pricing peer (the incremental build recompiles it).
    shutil.copyfile(target / PRICED_MODEL_SQL, work / "int_llm_calls_priced.sql")
    parquet = sorted(str(folder / p) for p in base if p.suffix == ".parquet")
    files_arg = json.dumps(parquet)
    step("scan_floor", _python("worker-scan-floor", str(warehouse), files_arg))
    step(
        "materialized_floor",
        _python("worker-materialized-floor", str(warehouse), files_arg, str(work / "floor.duckdb")),
    )
    stage(folder, new_day, landing)
    step("incremental_ingest", _python("worker-ingest"))
    step("incremental_build", _dbt(*dbt_vars_args(DATA_TEST_WINDOW_VARS)))
    measured["incremental_build"].detail = dbt_timings(Path(env["DBT_TARGET_PATH"]) / "run_results.json")
    step("report", _aicost_report())
    return measured


def dbt_timings(path: Path) -> dict:
    """Where dbt spent its time: per resource type, and the slowest nodes (run_results.json)."""
    if not path.exists():
        return {}
    results = json.loads(path.read_text())
    by_type: dict[str, float] = {}
    for node in results["results"]:
        kind = node["unique_id"].split(".")[0]
        by_type[kind] = round(by_type.get(kind, 0.0) + node["execution_time"], 2)
    slowest = sorted(results["results"], key=lambda n: -n["execution_time"])[:12]
    return {
        "elapsed": round(results.get("elapsed_time", 0.0), 2),
        "nodes": len(results["results"]),
        "node_seconds_by_type": by_type,
        "slowest": {n["unique_id"].split(".", 2)[-1]: round(n["execution_time"], 2) for n in slowest},
        "model_seconds": {
            n["unique_id"].split(".")[-1]: round(n["execution_time"], 3)
            for n in results["results"]
            if n["unique_id"].startswith("model.")
        },
    }


def run_benchmark(
    sizes: Sequence[int],
    days: int,
    runs: int,
    echo: Callable[[str], None] = print,
    largest_runs: int | None = None,
) -> dict:
    """Measure every size `runs` times (the largest `largest_runs` times when given) and write the results."""
    started = time.perf_counter()
    sizes = sorted(set(sizes))
    results: dict = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "settings": {
            "duckdb_memory_limit": BENCH_MEMORY_LIMIT,
            "duckdb_threads": BENCH_THREADS,
            "duckdb_temp_dir": "bench/work/calls_<N>/duckdb_tmp",
            "dbt_threads": 2,
            "dbt_command": " ".join(["dbt", *_dbt()[1:]]),
        },
        "command": f"aicost bench --calls {','.join(str(s) for s in sizes)} --days {days} --runs {runs}"
        + (f" --largest-runs {largest_runs}" if largest_runs else ""),
        "runs": runs,
        "days": days,
        "sizes": {},
    }
    for size in sizes:
        folder = ensure_workload(size, days, echo)
        base, new_day = split_workload(folder)
        samples: dict[str, list[Measurement]] = {}
        size_runs = largest_runs if largest_runs and size == max(sizes) else runs
        for round_no in range(1, size_runs + 1):
            for name, m in run_round(size, folder, base, new_day, round_no, echo).items():
                samples.setdefault(name, []).append(m)
        work = WORK_ROOT / f"calls_{size}"
        entry = {
            "calls": size,
            "runs": size_runs,
            "workload": str(folder.relative_to(REPO_ROOT)),
            "parquet_mb_base": round(sum((folder / p).stat().st_size for p in base if p.suffix == ".parquet") / 1e6, 1),
            "steps": {name: summarize(samples[name]) for name in STEPS},
            "floors": {name: summarize(samples[name]) for name in FLOORS},
        }
        entry.update(samples["ingest"][-1].detail)
        entry["new_day_calls"] = samples["incremental_ingest"][-1].detail.get("calls_loaded")
        entry["floors"]["materialized_floor"]["parts"] = {
            part: round(median(s.detail["parts"][part] for s in samples["materialized_floor"]), 3)
            for part in ("fact", "per_trace", "per_feature_day")
        }
        # A floor is the engine's time for its queries; its process (interpreter start, the 2,800-row rate
        # card copied in) is kept as process_seconds.
        for name in FLOORS:
            floor = entry["floors"][name]
            floor["process_seconds"], floor["process_runs"] = floor["seconds"], floor["runs"]
            floor["runs"] = [round(s.detail["query_seconds"], 3) for s in samples[name]]
            floor["seconds"] = round(median(floor["runs"]), 3)
        entry["dbt"] = {
            "build": samples["build"][-1].detail,
            "incremental_build": samples["incremental_build"][-1].detail,
        }
        echo(f"  peers at {size:,} calls")
        peers = run_measured(
            _python("worker-peers", str(work / "warehouse.duckdb"), str(work / "int_llm_calls_priced.sql")),
            env=_env(work, work / "warehouse.duckdb", work / "landing"),
            cwd=REPO_ROOT,
            log=work / "logs" / "peers.log",
        ).detail
        peers["tail"]["model_seconds"] = round(
            median(s.detail["model_seconds"].get("tail_cost_monthly", 0.0) for s in samples["build"]), 3
        )
        peers["tail"]["speedup"] = ratio(peers["tail"]["pandas_seconds"], peers["tail"]["model_seconds"])
        entry["peers"] = peers
        results["sizes"][str(size)] = entry
    largest = results["sizes"][str(max(sizes))]
    results["peers"] = {"pricing": largest["peers"]["pricing"], "tail": largest["peers"]["tail"]}
    derive(results)
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    problems = validate_results(results)
    if problems:
        raise RuntimeError("benchmark results incomplete: " + "; ".join(problems))
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(results, indent=2) + "\n")
    write_doc(results)
    write_readme_headline(results)
    echo(render_table(results))
    echo(f"wrote {RESULTS_PATH.relative_to(REPO_ROOT)} and {DOC_PATH.relative_to(REPO_ROOT)}")
    return results


# ----------------------------------------------------------------------------------------------------
# Rendering


def _fmt(value: float | None, spec: str = ".2f", suffix: str = "") -> str:
    return "–" if value is None else f"{value:{spec}}{suffix}"


def render_table(results: dict) -> str:
    sizes = sorted(results["sizes"], key=int)
    labels = [f"{int(s) / 1e6:g}M" for s in sizes]
    header = "| step | " + " | ".join(f"{lbl} s | {lbl} peak GB | {lbl} × scan | {lbl} × mat." for lbl in labels)
    header += " | slope s/M | slope × scan | slope × mat. |"
    lines = [header, "|---" * (1 + 4 * len(sizes) + 3) + "|"]
    rows = [
        ("ingest", "ingest"),
        ("build", "full dbt build (models + data tests)"),
        ("ingest_plus_build", "**ingest + full build**"),
        ("incremental_ingest", "nightly: ingest one new day"),
        ("incremental_build", "nightly: dbt build (incremental)"),
        ("nightly_incremental", "**nightly incremental total**"),
        ("report", "report"),
        ("scan_floor", "scan floor (one query)"),
        ("materialized_floor", "materialized floor (fact + 2 aggregates)"),
    ]
    for key, title in rows:
        cells = []
        for s in sizes:
            size = results["sizes"][s]
            if key in size["steps"]:
                figure = size["steps"][key]
            elif key in size["floors"]:
                figure = size["floors"][key]
            else:
                figure = None
            seconds = (
                figure["seconds"]
                if figure
                else (build_seconds(size) if key == "ingest_plus_build" else incremental_seconds(size))
            )
            peak = figure["max_peak_gb"] if figure else None
            r = size["ratios"][key]
            cells += [
                _fmt(seconds, ".1f"),
                _fmt(peak),
                _fmt(r["vs_scan_floor"], ".1f", "×"),
                _fmt(r["vs_materialized_floor"], ".1f", "×"),
            ]
        sl = results["slopes"].get(key, {})
        cells += [
            _fmt(sl.get("seconds_per_million"), ".2f"),
            _fmt(sl.get("vs_scan_floor"), ".1f", "×"),
            _fmt(sl.get("vs_materialized_floor"), ".1f", "×"),
        ]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render_targets(results: dict) -> str:
    lines = ["| target | measured | limit | verdict |", "|---|---|---|---|"]
    for t in results["targets"]:
        limit = ("≥ " if t["at_least"] else "≤ ") + f"{t['limit']:g}"
        lines.append(f"| {t['target']} | {t['value']:g} | {limit} | {'met' if t['met'] else '**missed**'} |")
    return "\n".join(lines)


def render_peers(results: dict) -> str:
    lines = [
        "| size | per-row calc_price (s per M calls) | our pricing model, list price (s per M calls) | speed-up | "
        "whole model query speed-up | bare pricing query speed-up | pandas tail (s) | tail_cost_monthly model (s) "
        "| model vs pandas |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in sorted(results["sizes"], key=int):
        pricing, tail = results["sizes"][s]["peers"]["pricing"], results["sizes"][s]["peers"]["tail"]
        cells = [
            f"{int(s) / 1e6:g}M",
            f"{pricing['calc_price_seconds_per_million']:.1f}",
            f"{pricing['sql_seconds_per_million']:.3f}",
            f"{pricing['speedup']:.0f}×",
            _fmt(pricing.get("model_query_speedup"), ".0f", "×"),
            _fmt(pricing.get("bare_sql_speedup"), ".0f", "×"),
            f"{tail['pandas_seconds']:.2f}",
            f"{tail['model_seconds']:.2f}",
            _fmt(tail["speedup"], ".1f", "×"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


DOC_BEGIN = "<!-- bench:results:begin (generated by `aicost bench`; do not edit by hand) -->"
DOC_END = "<!-- bench:results:end -->"


def render_results_section(results: dict) -> str:
    m = results["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
    settings = results["settings"]
    return "\n".join(
        [
            DOC_BEGIN,
            f"Measured {results['generated_at']} with `{results['command']}` (median of "
            + ", ".join(
                f"{v.get('runs', results['runs'])} runs at {int(k) / 1e6:g}M" for k, v in results["sizes"].items()
            )
            + "; "
            f"wall time of the whole benchmark {results.get('wall_seconds', 0):.0f} s).",
            "",
            f"Machine: {m['cores']} cores ({m['cpu']}), {m['ram_gb']} GB RAM, {m['os']}, "
            f"Python {m['python']}; {versions}.",
            f"DuckDB: memory_limit {settings['duckdb_memory_limit']}, threads {settings['duckdb_threads']}, "
            f"temp_directory {settings['duckdb_temp_dir']}; dbt threads {settings['dbt_threads']}; "
            f"build command `{settings['dbt_command']}`.",
            "",
            "### Steps against the floors",
            "",
            "Seconds are medians; peak GB is the largest resident memory of the step's whole process tree over "
            "the runs; × scan and × mat. are the step's time over the scan floor and the materialized floor of "
            "the same run; the slope is seconds per extra million calls from the smallest to the largest size.",
            "",
            render_table(results),
            "",
            "### Targets",
            "",
            render_targets(results),
            "",
            "### Peers",
            "",
            render_peers(results),
            DOC_END,
        ]
    )


README_PATH = REPO_ROOT / "README.md"
HEADLINE_BEGIN = "<!-- bench:headline:begin (generated by `aicost bench`) -->"
HEADLINE_END = "<!-- bench:headline:end -->"


def render_headline(results: dict) -> str:
    """The README's few lines: the largest size's figures against the floors and the peers, and the targets."""
    n = max(results["sizes"], key=int)
    size, label = results["sizes"][n], f"{int(n) / 1e6:g}M"
    r = size["ratios"]
    pricing = results["peers"]["pricing"]
    tail = results["peers"]["tail"]
    met = sum(t["met"] for t in results["targets"])
    lines = [
        f"- {label} calls ({results['generated_at'][:10]}, {results['machine']['cores']} cores, median of "
        f"{size.get('runs', results['runs'])} run(s)): ingest + full build {build_seconds(size):.0f} s = "
        f"{r['ingest_plus_build']['vs_materialized_floor']:.1f}× the materialized floor "
        f"({size['floors']['materialized_floor']['seconds']:.1f} s) and "
        f"{r['ingest_plus_build']['vs_scan_floor']:.0f}× the scan floor "
        f"({size['floors']['scan_floor']['seconds']:.1f} s); peak memory {size['peak_gb']:.1f} GB.",
        f"- Nightly run with one new day of 30: {incremental_seconds(size):.0f} s, "
        f"{size['incremental_share_of_full'] * 100:.0f}% of ingest + full build.",
        f"- Pricing: {pricing['speedup']:.0f}× faster per call than per-row `genai_prices.calc_price` "
        f"({pricing['calc_price_seconds_per_million']:.0f} s per million calls against "
        f"{pricing['sql_seconds_per_million']:.2f} s for the pricing model's list price; "
        f"{_fmt(pricing.get('model_query_speedup'), '.0f', '×')} for its whole query with the override-aware "
        f"cost); the tail mart in dbt takes {tail['model_seconds']:.1f} s "
        f"against {tail['pandas_seconds']:.1f} s for pandas groupby + quantile on data already in memory.",
        f"- Targets met: {met} of {len(results['targets'])} (see the table in docs/BENCHMARKS.md).",
    ]
    return "\n".join([HEADLINE_BEGIN, *lines, HEADLINE_END])


def write_readme_headline(results: dict, path: Path = README_PATH) -> bool:
    """Replace the headline between the markers of the README; False when the README has no markers."""
    text = path.read_text() if path.exists() else ""
    if HEADLINE_BEGIN not in text or HEADLINE_END not in text:
        return False
    before, rest = text.split(HEADLINE_BEGIN, 1)
    path.write_text(before + render_headline(results) + rest.split(HEADLINE_END, 1)[1])
    return True


def write_doc(results: dict, path: Path = DOC_PATH) -> None:
    section = render_results_section(results)
    text = path.read_text() if path.exists() else ""
    if DOC_BEGIN in text and DOC_END in text:
        before, rest = text.split(DOC_BEGIN, 1)
        after = rest.split(DOC_END, 1)[1]
        text = before + section + after
    else:
        text = (text.rstrip() + "\n\n## Results\n\n" if text else "# Benchmarks\n\n## Results\n\n") + section + "\n"
    path.write_text(text)


# ----------------------------------------------------------------------------------------------------
# Workers (each in its own process, so its memory is measured alone)


def _emit(payload: dict) -> None:
    print("BENCH_RESULT " + json.dumps(payload), flush=True)


def _floor_connection(warehouse: str, database: str = ":memory:"):
    import duckdb

    from orchestration.settings import Settings

    settings = Settings.from_env()
    settings.duckdb_temp_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        database,
        config={
            "memory_limit": settings.duckdb_memory_limit,
            "threads": settings.duckdb_threads,
            "temp_directory": str(settings.duckdb_temp_dir),
        },
    )
    # The rate card is an input like the Parquet: copied (2,800 rows) before the clock starts.
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"attach '{warehouse}' as src (read_only)")
    for statement in FLOOR_RATE_CARD_SETUP:
        con.execute(statement)
    con.execute("detach src")
    return con


def worker_ingest() -> None:
    from orchestration.ingest import ingest_all
    from orchestration.settings import Settings

    report = ingest_all(Settings.from_env())
    calls = sum(r.rows_loaded_by_table.get("canonical_llm_calls", 0) for r in report.sources.values())
    _emit({"calls_loaded": calls})


def worker_scan_floor(warehouse: str, files_json: str) -> None:
    con = _floor_connection(warehouse)
    started = time.perf_counter()
    rows = con.execute(SCAN_FLOOR_SQL.format(priced=floor_priced_sql(json.loads(files_json)))).fetchall()
    _emit({"query_seconds": time.perf_counter() - started, "groups": len(rows)})


def worker_materialized_floor(warehouse: str, files_json: str, database: str) -> None:
    for suffix in ("", ".wal"):
        Path(database + suffix).unlink(missing_ok=True)
    con = _floor_connection(warehouse, database)
    parts = {}
    started = time.perf_counter()
    for name, statement in zip(("fact", "per_trace", "per_feature_day"), MATERIALIZED_FLOOR_SQL, strict=True):
        t = time.perf_counter()
        con.execute(statement.format(priced=floor_priced_sql(json.loads(files_json))))
        parts[name] = time.perf_counter() - t
    con.execute("checkpoint")
    total = time.perf_counter() - started
    calls = con.execute("select count(*) from floor_calls").fetchone()[0]
    con.close()
    _emit({"query_seconds": total, "parts": parts, "calls": calls})


def peer_pricing_sample(con, limit: int = PEER_CALLS) -> list[tuple]:
    """Priced calls without an override, as (provider, price_model_ref, started_at, tokens..., cost_usd)."""
    return con.execute(
        f"""select provider, price_model_ref, started_at, uncached_input_tokens, cache_read_tokens,
                   cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, cost_usd
            from marts.fct_llm_calls
            where is_priced and not has_price_override
            order by hash(call_id) limit {int(limit)}"""
    ).fetchall()


def calc_price_row(row: tuple):
    """genai_prices.calc_price for one sampled call (what a per-row `.apply` does)."""
    import genai_prices

    provider, model_ref, started_at, uncached, cache_read, write_5m, write_1h, output, reasoning = row[:9]
    usage = genai_prices.Usage(
        input_tokens=uncached + cache_read + write_5m + write_1h,
        cache_read_tokens=cache_read,
        cache_write_tokens=write_5m + write_1h,
        cache_write_1h_tokens=write_1h,
        output_tokens=output,
        output_reasoning_tokens=reasoning,
    )
    return genai_prices.calc_price(
        usage, model_ref, provider_id=provider, genai_request_timestamp=started_at.replace(tzinfo=UTC)
    ).total_price


def worker_peers(warehouse: str, priced_sql: str) -> None:
    """Per-row calc_price against the pricing model's compiled query, and pandas against the tail mart."""
    import duckdb

    con = duckdb.connect(warehouse, read_only=True, config={"threads": BENCH_THREADS})
    con.execute("set TimeZone = 'UTC'")
    sample = peer_pricing_sample(con)
    calc_price_row(sample[0])  # load genai-prices' data snapshot before the clock starts
    prices: list = []

    def per_row_pricing() -> None:
        prices[:] = [calc_price_row(row) for row in sample]

    per_row_runs = timed_runs(per_row_pricing)
    mismatches = sum(1 for row, price in zip(sample, prices, strict=True) if abs(row[9] - price) > 1e-9)

    # Our SQL pricing: the int_llm_calls_priced model's query as the full build ran it (the pricing stage
    # alone: the deduplicated calls, model map, rate card by time, time of day and tier, overrides,
    # llm_call_cost; attribution comes after it), over every call, aggregated instead of written. The
    # bare pricing expression over the raw calls is kept beside it.
    calls = con.execute("select count(*) from raw.canonical_llm_calls").fetchone()[0]
    model_sql = Path(priced_sql).read_text()
    bare = FLOOR_PRICED_SQL.replace("read_parquet({files})", "raw.canonical_llm_calls")
    bare = bare.replace("floor_model_map", "raw.model_map")
    bare = bare.replace("floor_rate_card", "(" + FLOOR_RATE_CARD_SQL.format(rate_card="raw.rate_card") + ")")
    # Like for like: calc_price returns genai-prices' list price of a call, which is the model's
    # list_cost_usd (the same rate card, time, tier and cache rules; the sample checks it to 1e-9). The
    # model's whole query (the override-aware cost_usd beside it) is timed and reported too.
    queries = {
        "sql": f"select count(*), sum(list_cost_usd) from ({model_sql}) as priced",
        "model_query": f"select count(*), sum(cost_usd), sum(list_cost_usd) from ({model_sql}) as priced",
        "bare_sql": f"select count(*), sum(cost_usd) from ({bare}) as priced",
    }
    sql_runs = {name: timed_runs(lambda q=query: con.execute(q).fetchone()) for name, query in queries.items()}
    calc_per_million = median(per_row_runs) / len(sample) * 1_000_000

    def per_million(name: str) -> float:
        return median(sql_runs[name]) / calls * 1_000_000

    # The tail mart in pandas on the same data (production trees and calls of the built marts).
    trees = con.execute(
        "select date_trunc('month', trace_date) as month, feature, trace_id, cost_usd::double as cost_usd "
        "from marts.fct_request_trees where environment = 'production'"
    ).df()
    call_frame = con.execute(
        "select date_trunc('month', call_date) as month, feature, cost_usd::double as cost_usd "
        "from marts.fct_llm_calls where environment = 'production'"
    ).df()
    pandas_runs = timed_runs(lambda: pandas_tail(trees, call_frame))
    _emit(
        {
            "pricing": {
                "sample_calls": len(sample),
                "runs": PEER_RUNS,
                "calc_price_seconds": round(median(per_row_runs), 3),
                "calc_price_runs": [round(s, 3) for s in per_row_runs],
                "calc_price_seconds_per_million": round(calc_per_million, 2),
                "calc_price_mismatches_over_1e-9": mismatches,
                "sql_calls": calls,
                "sql_seconds": round(median(sql_runs["sql"]), 3),
                "sql_runs": [round(s, 3) for s in sql_runs["sql"]],
                "sql_seconds_per_million": round(per_million("sql"), 4),
                "speedup": round(calc_per_million / per_million("sql"), 1),
                "model_query_seconds": round(median(sql_runs["model_query"]), 3),
                "model_query_speedup": round(calc_per_million / per_million("model_query"), 1),
                "bare_sql_seconds": round(median(sql_runs["bare_sql"]), 3),
                "bare_sql_speedup": round(calc_per_million / per_million("bare_sql"), 1),
            },
            "tail": {
                "pandas_seconds": round(median(pandas_runs), 3),
                "pandas_runs": [round(s, 3) for s in pandas_runs],
                "trees": len(trees),
                "calls": len(call_frame),
            },
        }
    )


def timed_runs(action: Callable[[], object], runs: int = PEER_RUNS) -> list[float]:
    """Wall seconds of `runs` calls of action (the peers report their median, as the steps do)."""
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    return seconds


def pandas_tail(trees, calls):
    """tail_cost_monthly in pandas: percentiles, max and top-5% share per month and feature."""
    quantiles = [0.5, 0.9, 0.95, 0.99]
    grouped = trees.groupby(["month", "feature"])["cost_usd"]
    tree_stats = grouped.quantile(quantiles).unstack()
    tree_stats["max"] = grouped.max()
    tree_stats["trees"] = grouped.size()
    ranked = trees.assign(rank=grouped.rank(method="first", ascending=False), priced=grouped.transform("count"))
    top = ranked[ranked["rank"] <= (ranked["priced"] * 0.05).apply(lambda v: -(-v // 1))]
    tree_stats["top_5pct_share"] = top.groupby(["month", "feature"])["cost_usd"].sum() / grouped.sum()
    call_grouped = calls.groupby(["month", "feature"])["cost_usd"]
    call_stats = call_grouped.quantile(quantiles).unstack()
    call_stats["max"] = call_grouped.max()
    return tree_stats.join(call_stats, suffixes=("_tree", "_call"))


def _main(argv: list[str]) -> None:
    workers = {
        "worker-ingest": worker_ingest,
        "worker-scan-floor": worker_scan_floor,
        "worker-materialized-floor": worker_materialized_floor,
        "worker-peers": worker_peers,
    }
    if not argv or argv[0] not in workers:
        raise SystemExit(f"usage: python -m orchestration.bench {{{'|'.join(workers)}}} ARGS")
    workers[argv[0]](*argv[1:])


if __name__ == "__main__":
    _main(sys.argv[1:])
