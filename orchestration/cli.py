"""`aicost`: the command line of the project.

    aicost generate   write the sample workload (every landing format) into a folder
    aicost run        run the nightly Dagster job once, in-process (ingest, dbt build, checks, report)
    aicost summary    print what the pipeline produced
    aicost report     write the HTML report from the marts
    aicost bench      the benchmark (see docs/BENCHMARKS.md)

Every command exits non-zero with a one-line reason on failure.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from orchestration.settings import Settings

app = typer.Typer(
    name="aicost",
    help="AI cost allocation: what each AI feature really costs, per feature, tenant and user action.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

WarehouseOption = Annotated[
    Path | None,
    typer.Option("--warehouse", help="DuckDB warehouse file [env AICOST_WAREHOUSE; default warehouse/ai_costs.duckdb]"),
]
LandingOption = Annotated[
    Path | None,
    typer.Option("--landing", help="Landing folder to load [env AICOST_LANDING_DIR; default data/landing]"),
]


def _fail(message: str) -> typer.Exit:
    typer.secho(f"aicost: error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


class _Progress:
    """One line per step on stderr: `[  12.3s] generate: otlp 40/61`."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.last_step: str | None = None
        self.last_print = 0.0

    def __call__(self, step: str, done: int, total: int) -> None:
        now = time.monotonic()
        if step == self.last_step and done < total and now - self.last_print < 1.0:
            return
        self.last_step, self.last_print = step, now
        typer.echo(f"[{now - self.started:7.1f}s] {step} {done}/{total}", err=True)


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the landing layout into")] = Path("data/landing"),
    calls: Annotated[int, typer.Option(help="Number of LLM calls to generate", min=1)] = 200_000,
    days: Annotated[int, typer.Option(help="Length of the period in days", min=1)] = 61,
    tenants: Annotated[int, typer.Option(help="Number of customer tenants", min=3)] = 40,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives byte-identical files")] = 7,
    start: Annotated[str | None, typer.Option(help="First day of the period, YYYY-MM-DD [default 2026-08-01]")] = None,
    otlp_max_calls: Annotated[
        int | None, typer.Option(help="Cap on calls written as OTLP JSON; the rest go to canonical Parquet")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an earlier sample in --out")] = False,
) -> None:
    """Write a realistic, deterministic sample workload in every landing format (OTLP traces, LiteLLM
    spend logs, canonical Parquet, OpenAI/Anthropic/FOCUS invoices, usage reports, product MAU and
    subscriptions) plus generator_manifest.json listing what was injected (drift, bad records)."""
    from orchestration.generate import generate_workload

    kwargs: dict = {"calls": calls, "days": days, "tenants": tenants, "seed": seed, "force": force}
    if start:
        try:
            kwargs["start"] = date.fromisoformat(start)
        except ValueError:
            raise _fail(f"--start {start!r} is not a date (YYYY-MM-DD)") from None
    if otlp_max_calls is not None:
        kwargs["otlp_max_calls"] = otlp_max_calls
    try:
        manifest = generate_workload(out, progress=_Progress(), **kwargs)
    except (FileExistsError, ValueError, OSError) as error:
        raise _fail(str(error)) from None
    files = manifest.get("files", [])
    typer.echo(f"wrote {len(files)} files for {calls:,} calls over {days} days into {out}")


@app.command()
def run(
    landing: LandingOption = None,
    warehouse: WarehouseOption = None,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Rebuild incremental models from scratch")
    ] = False,
) -> None:
    """Run the nightly job once, in-process: load new landing files, build and test the dbt project,
    evaluate the asset checks, write the report and the Parquet export. The same job the nightly
    schedule runs."""
    settings = Settings.from_env(warehouse=warehouse, landing_dir=landing)
    settings.export_to_environ()
    if not settings.landing_dir.is_dir():
        raise _fail(f"landing folder {settings.landing_dir} does not exist (run `aicost generate` first)")
    from orchestration.runner import run_nightly

    outcome = run_nightly(settings, full_refresh=full_refresh, echo=lambda line: typer.echo(line, err=True))
    for line in outcome.warnings:
        typer.secho(f"warning: {line}", fg=typer.colors.YELLOW, err=True)
    if not outcome.success:
        raise _fail(outcome.reason)
    typer.echo(f"nightly job succeeded in {outcome.seconds:.1f}s; warehouse: {settings.warehouse}")


@app.command()
def summary(warehouse: WarehouseOption = None) -> None:
    """Print what the pipeline produced: rows loaded and quarantined, cost, margins, tails, drift."""
    settings = Settings.from_env(warehouse=warehouse)
    if not settings.warehouse.exists():
        raise _fail(f"no warehouse at {settings.warehouse} (run `aicost run` first)")
    from orchestration.summary import print_summary

    print_summary(settings, echo=typer.echo)


@app.command()
def report(
    warehouse: WarehouseOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="HTML file to write [default reports/ai_cost_report.html]")
    ] = None,
) -> None:
    """Write the self-contained HTML report (opens offline) from the marts."""
    settings = Settings.from_env(warehouse=warehouse)
    from orchestration.report import write_report
    from orchestration.report.reader import WarehouseBusyError

    if not settings.warehouse.exists():
        raise _fail(f"no warehouse at {settings.warehouse} (run `aicost run` first)")
    try:
        path = write_report(settings, out or settings.report_path)
    except (WarehouseBusyError, FileNotFoundError) as error:
        raise _fail(str(error)) from None
    typer.echo(f"report: {path}")


@app.command()
def bench(
    calls: Annotated[str, typer.Option(help="Comma-separated sizes, e.g. 1000000,10000000")] = "1000000,10000000",
    days: Annotated[int, typer.Option(help="Days in the benchmark workload")] = 30,
    runs: Annotated[int, typer.Option(help="Runs per measurement (the median is reported)", min=1)] = 3,
    largest_runs: Annotated[
        int | None,
        typer.Option(help="Runs at the largest size only, when fewer are affordable [default --runs]", min=1),
    ] = None,
) -> None:
    """Measure ingest, full build, nightly incremental and report at each size against the scan and
    materialized floors and the per-row peers; writes bench/results.json and docs/BENCHMARKS.md."""
    try:
        from orchestration.bench import run_benchmark
    except ImportError:
        raise _fail("the benchmark is not available in this version") from None
    try:
        sizes = [int(size.replace("_", "")) for size in calls.split(",") if size.strip()]
    except ValueError:
        raise _fail(f"--calls {calls!r} must be comma-separated integers") from None
    try:
        run_benchmark(sizes=sizes, days=days, runs=runs, echo=typer.echo, largest_runs=largest_runs)
    except (RuntimeError, OSError, ValueError) as error:
        raise _fail(str(error)) from None


def main() -> None:  # pragma: no cover - console-script entry point
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
