"""Issue 9: the same dbt project on Apache Spark gives DuckDB's results, mart by mart, row by row.

The conftest sample (4,000 calls) is ingested into DuckDB and built there (``built_warehouse``). Its raw
tables are published as Parquet (orchestration/lake.py) and the whole project is built from them on a
local Spark session (dbt-spark, ``--target spark``): seeds, models, unit tests and data tests. Then:

- every dbt test (data and unit) that passed on DuckDB passed on Spark;
- every mart (every model under models/marts) has the same rows on both engines: counts, labels, flags
  and dates equal, money and ratios within 1e-9, percentiles within 1e-9 relative;
- a second, incremental run of the incremental models on Spark (insert_overwrite of the look-back
  days), after each lost its two latest days, rebuilds them and leaves fct_llm_calls equal to DuckDB's;
- the comparison is not blind: a copy of the Spark result with one value changed, one row dropped or
  one count off is reported, for every mart.

Marked ``spark`` (needs pyspark and Java 17): excluded from the default run, run by ``make test-spark``.
The comparator's own tolerance rules are checked without Spark at the end of this file.
"""

from __future__ import annotations

import calendar
import copy
import json
import os
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration.lake import publish_raw_tables
from orchestration_tests.spark_support import (
    Difference,
    Kind,
    SparkRun,
    Table,
    compare_tables,
    compile_inline,
    duckdb_tables,
    read_duckdb_table,
    read_spark_table,
    spark_session,
)

MARTS = "marts"
NO_REGISTRATION = "{spark_lake_sources: false}"


@dataclass
class SparkBuild:
    run: SparkRun
    build_seconds: float
    incremental_seconds: float
    run_results: dict
    incremental_run_results: dict
    dropped_days: list[date]


def _run_results(run: SparkRun) -> dict:
    return json.loads((run.target_dir / "run_results.json").read_text(encoding="utf-8"))


def _statuses(run_results: dict) -> dict[str, str]:
    return {result["unique_id"]: result["status"] for result in run_results["results"]}


def _mart_models(manifest_path: Path) -> set[str]:
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return {
        node["alias"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] == MARTS and node["config"]["enabled"]
    }


def _incremental_models(manifest_path: Path) -> dict[str, tuple[str, str, str]]:
    """unique_id -> (schema, table, day partition column) of every incremental model."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return {
        unique_id: (node["schema"], node["alias"], node["config"]["partition_by"][0])
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
    }


@pytest.fixture(scope="module")
def spark_build(
    ingested_warehouse: Path, built_warehouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> SparkBuild:
    base = tmp_path_factory.mktemp("spark")
    run = SparkRun(spark_dir=base / "spark", lake_dir=base / "lake", work_dir=base / "dbt")
    with duckdb.connect(str(ingested_warehouse), read_only=True) as con:
        publish_raw_tables(con, run.lake_dir)

    started = time.monotonic()
    run.dbt(["build", "--full-refresh"], check=False)
    build_seconds = time.monotonic() - started
    run_results = _run_results(run)

    # The incremental path. Every incremental model (fct_llm_calls and the intermediate models it reads
    # incrementally) first loses its two latest days, as if their files had not landed yet; the incremental
    # run must rebuild them from the look-back window, overwriting the days it reprocesses.
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        dropped_days = [
            day
            for (day,) in con.execute(
                f"select distinct call_date from {MARTS}.fct_llm_calls order by 1 desc limit 2"
            ).fetchall()
        ]
    incremental = _incremental_models(run.target_dir / "manifest.json")
    for schema, table, day_column in incremental.values():
        # the trace models are partitioned by trace_date: the same days, by their own column
        partitions = ", ".join(f"partition ({day_column} = '{day.isoformat()}')" for day in dropped_days)
        drop = f"alter table {schema}.{table} drop if exists {partitions}"
        run.dbt(["run-operation", "run_query", "--args", json.dumps({"sql": drop}), "--vars", NO_REGISTRATION])
    # The sources are registered already, so this run skips the registration.
    started = time.monotonic()
    run.dbt(["run", "--select", *sorted(uid.split(".")[-1] for uid in incremental), "--vars", NO_REGISTRATION])
    incremental_seconds = time.monotonic() - started
    incremental_run_results = _run_results(run)

    print(
        f"\nspark build: {build_seconds:.0f} s; incremental run of {sorted(incremental)}: {incremental_seconds:.0f} s"
    )
    return SparkBuild(run, build_seconds, incremental_seconds, run_results, incremental_run_results, dropped_days)


@pytest.fixture(scope="module")
def spark(spark_build: SparkBuild) -> Iterator[Any]:
    """A Spark session on the build's metastore, started once dbt's JVM has exited."""
    session = spark_session(spark_build.run)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def spark_marts(spark_build: SparkBuild, spark: Any) -> dict[str, Table]:
    """Every mart as Spark left it (after the incremental run)."""
    models = _mart_models(spark_build.run.target_dir / "manifest.json")
    return {name: read_spark_table(spark, MARTS, name) for name in models}


@pytest.fixture(scope="module")
def duckdb_marts(built_warehouse: Path) -> dict[str, tuple[Table, dict[str, Kind]]]:
    return {name: read_duckdb_table(built_warehouse, MARTS, name) for name in duckdb_tables(built_warehouse, MARTS)}


@pytest.mark.spark
def test_every_dbt_test_that_passes_on_duckdb_passes_on_spark(spark_build: SparkBuild, built_warehouse: Path) -> None:
    duckdb_results = built_warehouse.parent / "dbt" / "target" / "run_results.json"
    duckdb_statuses = _statuses(json.loads(duckdb_results.read_text(encoding="utf-8")))
    spark_statuses = _statuses(spark_build.run_results)
    passed_on_duckdb = {
        unique_id
        for unique_id, status in duckdb_statuses.items()
        if unique_id.split(".")[0] in {"test", "unit_test"} and status == "pass"
    }
    assert any(unique_id.startswith("unit_test.") for unique_id in passed_on_duckdb)
    not_passed = {
        uid: spark_statuses.get(uid, "not run") for uid in passed_on_duckdb if spark_statuses.get(uid) != "pass"
    }
    assert not not_passed, f"passed on DuckDB, not on Spark: {not_passed}"
    failed = {uid: status for uid, status in spark_statuses.items() if status in {"error", "fail"}}
    assert not failed, f"failed on Spark: {failed}"


@pytest.mark.spark
def test_spark_builds_every_mart_duckdb_builds(spark_marts: dict[str, Table], duckdb_marts: dict) -> None:
    assert set(spark_marts) == set(duckdb_marts)
    assert {"fct_llm_calls", "fct_request_trees"} <= set(duckdb_marts)


@pytest.mark.spark
def test_every_mart_has_duckdbs_rows_on_spark(spark_marts: dict[str, Table], duckdb_marts: dict) -> None:
    differences: list[Difference] = []
    compared_rows = 0
    for name, (expected, kinds) in sorted(duckdb_marts.items()):
        actual = spark_marts[name]
        differences += compare_tables(name, expected, actual, kinds)
        compared_rows += len(expected.rows)
    assert compared_rows > 4000
    assert not differences, f"{len(differences)} difference(s):\n" + "\n".join(map(str, differences[:40]))


@pytest.mark.spark
def test_the_incremental_run_on_spark_overwrites_the_look_back_days(spark_build: SparkBuild) -> None:
    results = spark_build.incremental_run_results["results"]
    models = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("model.")}
    incremental = _incremental_models(spark_build.run.target_dir / "manifest.json")
    assert "model.ai_cost_allocation.fct_llm_calls" in incremental
    assert models == dict.fromkeys(incremental, "success")
    for _, table, day_column in incremental.values():
        compiled = next((spark_build.run.target_dir / "run").rglob(f"{table}.sql")).read_text(encoding="utf-8")
        assert "insert overwrite table" in compiled and f"partition ({day_column})" in compiled, table
    assert len(spark_build.dropped_days) == 2  # rebuilt by this run: the comparison finds them
    # test_every_mart_has_duckdbs_rows_on_spark compares the table as this run left it.


def _perturbations(
    name: str, table: Table, kinds: dict[str, Kind], key_columns: list[str]
) -> list[tuple[str, Table, Difference]]:
    """Copies of ``table`` with one deliberate change each, and the difference the comparator must report
    (``key_columns``: the exact columns in the order the comparator labels rows with)."""
    cases: list[tuple[str, Table, Difference]] = []
    rows = [list(row) for row in table.rows]
    if not rows:
        return cases
    exact = [c for c in table.columns if kinds[c] is Kind.EXACT]

    def key_of(row: list) -> tuple:
        return tuple(f"{c}={row[table.columns.index(c)]}" for c in key_columns)

    for kind, change in (
        (Kind.DECIMAL, lambda v: v + Decimal("2e-9")),  # twice the money tolerance
        (Kind.PERCENTILE, lambda v: v * (1 + Decimal("3e-9")) if v else v + Decimal("1e-12")),
    ):
        column = next((c for c in table.columns if kinds[c] is kind), None)
        if column is None:
            continue
        index = table.columns.index(column)
        row_number = next((i for i, row in enumerate(rows) if row[index] is not None), None)
        if row_number is None:
            continue
        changed = copy.deepcopy(rows)
        original = changed[row_number][index]
        changed[row_number][index] = change(original)
        cases.append(
            (
                f"{kind.value} {column}",
                Table(table.columns, [tuple(r) for r in changed]),
                Difference(name, "value", key_of(rows[row_number]), column, original, changed[row_number][index]),
            )
        )

    count_column = next(
        (c for c in exact if all(type(r[table.columns.index(c)]) in {int, type(None)} for r in rows)), None
    )
    if count_column is not None:
        index = table.columns.index(count_column)
        row_number = next((i for i, row in enumerate(rows) if type(row[index]) is int), None)
        if row_number is not None:
            changed = copy.deepcopy(rows)
            changed[row_number][index] += 1  # one count off: the row no longer matches
            cases.append(
                (
                    f"count {count_column}",
                    Table(table.columns, [tuple(r) for r in changed]),
                    Difference(name, "missing_row", key_of(rows[row_number])),
                )
            )
    cases.append(
        (
            "dropped row",
            Table(table.columns, [tuple(r) for r in rows[1:]]),
            Difference(name, "missing_row", key_of(rows[0])),
        )
    )
    return cases


@pytest.mark.spark
def test_the_comparison_reports_a_deliberate_change_in_any_mart(
    spark_marts: dict[str, Table], duckdb_marts: dict
) -> None:
    checked: list[str] = []
    for name, (expected, kinds) in sorted(duckdb_marts.items()):
        key_columns = [c for c in expected.columns if kinds[c] is Kind.EXACT]
        for label, changed, wanted in _perturbations(name, spark_marts[name], kinds, key_columns):
            differences = compare_tables(name, expected, changed, kinds)
            assert wanted in differences, f"{name}, {label}: not reported; got {differences[:5]}"
            if wanted.problem == "value":
                assert differences == [wanted], f"{name}, {label}: {differences[:5]}"
            checked.append(f"{name}: {label}")
    assert any(label.startswith("fct_llm_calls: decimal") for label in checked)
    assert any(": percentile" in label for label in checked), "no mart has a percentile column to perturb"
    assert any(": count" in label for label in checked)


# --------------------------------------------- the portability macros on edge cases: both engines and an oracle

EXAMPLES_SQL = """
select
    id,
    {{ divide_decimal('n', 'whole_denominator', 0) }} as quotient_by_whole,
    {{ divide_decimal('n', 'money_denominator') }} as quotient_by_money,
    {{ dbt.datediff('t1', 't2', 'millisecond') }} as milliseconds_between,
    {{ dbt.datediff('t1', 't2', 'second') }} as seconds_between,
    {{ dbt.datediff('t1', 't2', 'day') }} as days_between,
    {{ dbt.datediff('t1', 't2', 'month') }} as months_between,
    {{ dbt.dateadd('millisecond', 'k', 't1') }} as t1_plus_k_milliseconds,
    {{ dbt.dateadd('month', 'k_months', 't1') }} as t1_plus_k_months,
    {{ seconds_since_midnight('t1') }} as second_of_day,
    {{ json_list_tag_value('tags', 'feature') }} as feature_tag,
    cast({{ units_times_price('units', 'price', 1000000) }} as {{ money_type() }}) as cost_usd
from cases
-- next query
select
    grp,
    {%- for fraction in [0.1, 0.5, 0.9, 0.95, 0.99] %}
    {{ percentile_cont('v', fraction) }} as p{{ (fraction * 100) | int }}{{ ',' if not loop.last }}
    {%- endfor %}
from percentile_cases
group by grp
-- next query
select count_cases.id, expanded.copy_number
from count_cases {{ expand_by_count('count_cases.k', 'copy_number') }}
"""
FRACTIONS = (Decimal("0.1"), Decimal("0.5"), Decimal("0.9"), Decimal("0.95"), Decimal("0.99"))
CASE_COLUMNS = {
    "id": "bigint",
    "n": "decimal(38, 12)",
    "whole_denominator": "bigint",
    "money_denominator": "decimal(38, 12)",
    "t1": "timestamp",
    "t2": "timestamp",
    "k": "bigint",
    "k_months": "bigint",
    "tags": "string",
    "units": "bigint",
    "price": "decimal(38, 18)",
}
TWELVE = Decimal("1e-12")
BIG_WHOLE = 3_000_000_000_001  # a quotient rounded at 24 decimals can land on a half unit of 1e-12
BIG_MONEY = Decimal("3141592.653589793238")  # the same at 18 decimals
TAG_LISTS = (
    '["feature:draft-email","tenant:t-001"]',
    '["tenant:t-002","feature: spaced out "]',
    '["features:not-this","feature:this-one","feature:not-the-second"]',
    '["feature:"]',
    "[]",
    None,
)


def _round(value: Decimal) -> Decimal:
    return value.quantize(TWELVE, rounding=ROUND_HALF_UP)  # half away from zero


def _toward_zero(value: Decimal) -> Decimal:
    return value.quantize(TWELVE, rounding=ROUND_DOWN)


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _micros(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1)) // timedelta(microseconds=1)


def _example_cases(rng: random.Random) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    start = datetime(2024, 1, 1)
    for index in range(400):
        t1 = start + timedelta(microseconds=rng.randrange(4 * 365 * 86_400 * 10**6))
        if index % 7 == 0:
            t1 = t1.replace(day=calendar.monthrange(t1.year, t1.month)[1])  # a month end
        delta = rng.choice([rng.randint(-3000, 3000), rng.randint(-(10**9), 10**9), rng.randint(-(10**14), 10**14)])
        tie = Decimal(2 * rng.randint(0, 10**6) + 1) * Decimal("5e-13") * rng.choice([1, -1])
        kind = index % 5
        if kind == 0:  # random amounts
            n = Decimal(rng.randint(-(10**16), 10**16)).scaleb(-12)
            whole = rng.choice([0, None, rng.randint(1, 10**4), -rng.randint(1, 50)])
            money = rng.choice([Decimal(0), None, Decimal(rng.randint(1, 10**15)).scaleb(-12)])
        elif kind == 1:  # exact ties: the quotient has a 5 in its 13th decimal and nothing after
            whole = 2 * rng.randint(1, 5000)
            n = tie * whole
            money = Decimal(2 * rng.randint(1, 10**6))
        elif kind == 2:  # just below a tie: a rounding at 24 (18) decimals lands on it
            whole, money = BIG_WHOLE, BIG_MONEY
            n = _toward_zero(tie * BIG_WHOLE)
        elif kind == 3:  # the same tie for the money denominator, and just above one
            whole, money = BIG_WHOLE, BIG_MONEY
            n = _toward_zero(tie * BIG_MONEY)
        else:
            whole, money = BIG_WHOLE, BIG_MONEY
            n = (tie * BIG_MONEY).quantize(TWELVE, rounding=ROUND_UP)
        cases.append(
            {
                "id": index,
                "n": n,
                "whole_denominator": whole,
                "money_denominator": money,
                "t1": t1,
                "t2": t1 + timedelta(microseconds=delta),
                "k": rng.choice([rng.randint(-5000, 5000), rng.randint(-(2 * 10**9), 2 * 10**9)]),  # int32 on DuckDB
                "k_months": rng.randint(-30, 30),
                "tags": rng.choice(TAG_LISTS),
                "units": rng.randint(0, 10**9),
                "price": Decimal(rng.randint(0, 10**21)).scaleb(-18),
            }
        )
    # Millisecond boundaries and times before 1970 (negative Unix times).
    for index, (t1, t2) in enumerate(
        [
            (datetime(2026, 1, 1, 0, 0, 0, 900), datetime(2026, 1, 1, 0, 0, 0, 1100)),
            (datetime(2026, 1, 1, 0, 0, 0, 1100), datetime(2026, 1, 1, 0, 0, 0, 900)),
            (datetime(1969, 12, 31, 23, 59, 59, 999_500), datetime(1970, 1, 1, 0, 0, 0, 400)),
            (datetime(2026, 1, 31, 23, 59, 59, 999_999), datetime(2026, 3, 1)),
        ],
        start=len(cases),
    ):
        cases.append({**cases[0], "id": index, "t1": t1, "t2": t2, "k": 1})
    return cases


def _expected_case_row(case: dict[str, Any]) -> dict[str, Any]:
    def divide(denominator: Decimal | int | None) -> Decimal | None:
        return None if not denominator else _round(case["n"] / Decimal(denominator))

    t1, t2 = case["t1"], case["t2"]
    tags = [tag for tag in json.loads(case["tags"] or "null") or [] if tag.startswith("feature:")]
    feature = tags[0][len("feature:") :].strip(" ") if tags else None
    return {
        "id": case["id"],
        "quotient_by_whole": divide(case["whole_denominator"]),
        "quotient_by_money": divide(case["money_denominator"]),
        "milliseconds_between": _micros(t2) // 1000 - _micros(t1) // 1000,
        "seconds_between": _micros(t2) // 10**6 - _micros(t1) // 10**6,
        "days_between": (t2.date() - t1.date()).days,
        "months_between": (t2.year - t1.year) * 12 + t2.month - t1.month,
        "t1_plus_k_milliseconds": t1 + timedelta(milliseconds=case["k"]),
        "t1_plus_k_months": _add_months(t1, case["k_months"]),
        "second_of_day": t1.hour * 3600 + t1.minute * 60 + t1.second,
        "feature_tag": feature or None,
        "cost_usd": _round(case["units"] * case["price"] * Decimal("0.000001")),
    }


def _percentile_groups(rng: random.Random) -> list[tuple[int, Decimal | None]]:
    rows: list[tuple[int, Decimal | None]] = []
    for group in range(60):
        scale = rng.choice([10**6, 10**12, 10**15, 10**18])
        values = [Decimal(rng.randint(-scale // 10, scale)).scaleb(-12) for _ in range(rng.randint(0, 30))]
        values += rng.sample(values, min(len(values), rng.randint(0, 3)))  # repeated values
        values += [None] * rng.randint(0, 2)
        rows += [(group, value) for value in values]
    return rows


def _exact_percentile(values: list[Decimal], fraction: Decimal) -> Decimal | None:
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@pytest.fixture(scope="module")
def compiled_examples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """EXAMPLES_SQL compiled for each engine (no connection needed), split into its three queries."""
    work_dir = tmp_path_factory.mktemp("compiled_examples")
    environments = {
        "duckdb": {
            **os.environ,
            "AICOST_DBT_TARGET": "dev",
            "AICOST_WAREHOUSE": str(work_dir / "unused.duckdb"),
            "AICOST_DUCKDB_TEMP_DIR": str(work_dir / "duckdb_tmp"),
        },
        "spark": {**os.environ, "AICOST_DBT_TARGET": "spark", "AICOST_SPARK_DIR": str(work_dir / "spark")},
    }
    return {
        engine: compile_inline(EXAMPLES_SQL, env=env, work_dir=work_dir / engine).split("-- next query")
        for engine, env in environments.items()
    }


@pytest.fixture(scope="module")
def example_inputs() -> dict[str, list]:
    rng = random.Random(20261122)
    counts = [(index, count) for index, count in enumerate([0, 1, 2, 3, 5, None, -2, 40])]
    return {"cases": _example_cases(rng), "percentile_cases": _percentile_groups(rng), "count_cases": counts}


def _run_examples_on_duckdb(queries: list[str], inputs: dict[str, list]) -> list[list[dict[str, Any]]]:
    with duckdb.connect() as con:
        columns = ", ".join(
            f"{name} {sql_type.replace('string', 'varchar')}" for name, sql_type in CASE_COLUMNS.items()
        )
        con.execute(f"create table cases ({columns})")
        con.executemany(
            f"insert into cases values ({', '.join('?' * len(CASE_COLUMNS))})",
            [[case[name] for name in CASE_COLUMNS] for case in inputs["cases"]],
        )
        con.execute("create table percentile_cases (grp bigint, v decimal(38, 12))")
        con.executemany("insert into percentile_cases values (?, ?)", inputs["percentile_cases"])
        con.execute("create table count_cases (id bigint, k bigint)")
        con.executemany("insert into count_cases values (?, ?)", inputs["count_cases"])
        results = []
        for query in queries:
            cursor = con.execute(query)
            names = [d[0] for d in cursor.description]
            results.append([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])
        return results


def _run_examples_on_spark(spark: Any, queries: list[str], inputs: dict[str, list]) -> list[list[dict[str, Any]]]:
    from pyspark.sql import types

    spark_types = {
        "bigint": types.LongType(),
        "decimal(38, 12)": types.DecimalType(38, 12),
        "decimal(38, 18)": types.DecimalType(38, 18),
        "timestamp": types.TimestampNTZType(),
        "string": types.StringType(),
    }
    schema = types.StructType(
        [types.StructField(name, spark_types[sql_type]) for name, sql_type in CASE_COLUMNS.items()]
    )
    spark.createDataFrame(
        [tuple(c[name] for name in CASE_COLUMNS) for c in inputs["cases"]], schema
    ).createOrReplaceTempView("cases")
    spark.createDataFrame(inputs["percentile_cases"], "grp bigint, v decimal(38, 12)").createOrReplaceTempView(
        "percentile_cases"
    )
    spark.createDataFrame(inputs["count_cases"], "id bigint, k bigint").createOrReplaceTempView("count_cases")
    return [[row.asDict() for row in spark.sql(query).collect()] for query in queries]


@pytest.fixture(scope="module")
def example_results(
    spark: Any, compiled_examples: dict[str, list[str]], example_inputs: dict[str, list]
) -> dict[str, list[list[dict[str, Any]]]]:
    return {
        "duckdb": _run_examples_on_duckdb(compiled_examples["duckdb"], example_inputs),
        "spark": _run_examples_on_spark(spark, compiled_examples["spark"], example_inputs),
    }


@pytest.mark.spark
def test_row_macros_give_the_oracles_values_on_both_engines(
    example_results: dict, example_inputs: dict[str, list]
) -> None:
    expected = sorted((_expected_case_row(case) for case in example_inputs["cases"]), key=lambda r: r["id"])
    for engine, (rows, _, _) in example_results.items():
        actual = sorted(rows, key=lambda r: r["id"])
        mismatches = [
            (want["id"], column, want[column], got[column])
            for want, got in zip(expected, actual, strict=True)
            for column in want
            if want[column] != got[column] or (want[column] is not None and type(want[column]) is not type(got[column]))
        ]
        assert not mismatches, f"{engine}: {len(mismatches)} mismatches, e.g. {mismatches[:8]}"


@pytest.mark.spark
def test_the_tie_correction_is_needed_on_spark(spark: Any, example_inputs: dict[str, list]) -> None:
    """Without the correction of spark__divide_decimal, Spark's two roundings get the near-ties wrong."""
    naive = {
        row.id: row.naive
        for row in spark.sql(
            "select id, cast(cast(n as decimal(38, 12)) / nullif(cast(money_denominator as decimal(38, 12)), 0)"
            " as decimal(38, 12)) as naive from cases"
        ).collect()
    }
    wrong = [
        case["id"]
        for case in example_inputs["cases"]
        if naive[case["id"]] != _expected_case_row(case)["quotient_by_money"]
    ]
    assert len(wrong) >= 10, wrong


@pytest.mark.spark
def test_percentiles_are_identical_on_both_engines_and_exact_to_1e_12(
    example_results: dict, example_inputs: dict[str, list]
) -> None:
    duckdb_rows = sorted(example_results["duckdb"][1], key=lambda r: r["grp"])
    spark_rows = sorted(example_results["spark"][1], key=lambda r: r["grp"])
    assert duckdb_rows == spark_rows
    values: dict[int, list[Decimal]] = {}
    for group, value in example_inputs["percentile_cases"]:
        values.setdefault(group, [])
        if value is not None:
            values[group].append(value)
    assert len(duckdb_rows) == len(values)
    for row in duckdb_rows:
        for fraction in FRACTIONS:
            exact = _exact_percentile(values[row["grp"]], fraction)
            got = row[f"p{int(fraction * 100)}"]
            if exact is None:
                assert got is None
            else:
                assert abs(got - exact) <= TWELVE + abs(exact) * Decimal("1e-15"), (row["grp"], fraction, got, exact)


@pytest.mark.spark
def test_expand_by_count_gives_one_row_per_unit_on_both_engines(
    example_results: dict, example_inputs: dict[str, list]
) -> None:
    expected = sorted((i, n) for i, k in example_inputs["count_cases"] for n in range(1, (k or 0) + 1))
    for engine, (_, _, rows) in example_results.items():
        assert sorted((r["id"], r["copy_number"]) for r in rows) == expected, engine


# ----------------------------------------------------------------- the comparator itself (no Spark needed)

KINDS = {
    "month": Kind.EXACT,
    "feature": Kind.EXACT,
    "calls": Kind.EXACT,
    "cost_usd": Kind.DECIMAL,
    "p90_cost_usd": Kind.PERCENTILE,
    "ratio": Kind.FLOAT,
}
COLUMNS = tuple(KINDS)
BASE = Table(
    COLUMNS,
    [
        (date(2026, 6, 1), "draft-email", 10, Decimal("1.000000000000"), Decimal("0.250000000000"), 0.5),
        (date(2026, 6, 1), "search-answer", 3, Decimal("0.000000000001"), Decimal("2000.000000000000"), 1e-12),
        (date(2026, 7, 1), "draft-email", 0, None, None, None),
    ],
)


def _with(row: int, column: str, value: object) -> Table:
    rows = [list(r) for r in BASE.rows]
    rows[row][COLUMNS.index(column)] = value
    return Table(COLUMNS, [tuple(r) for r in rows])


def test_identical_tables_have_no_difference_whatever_the_order() -> None:
    shuffled = Table(tuple(reversed(COLUMNS)), [tuple(reversed(r)) for r in reversed(BASE.rows)])
    assert compare_tables("t", BASE, shuffled, KINDS) == []


@pytest.mark.parametrize(
    ("row", "column", "value", "reported"),
    [
        (0, "cost_usd", Decimal("1.000000001000"), False),  # 1e-9: the money tolerance, inclusive
        (0, "cost_usd", Decimal("1.000000001001"), True),
        (1, "cost_usd", Decimal("0.000000001002"), True),
        (0, "p90_cost_usd", Decimal("0.250000000250"), False),  # 1e-9 relative of 0.25
        (0, "p90_cost_usd", Decimal("0.250000000251"), True),
        (1, "p90_cost_usd", Decimal("2000.000001999"), False),  # 1e-9 relative of 2000 is 2e-6
        (1, "p90_cost_usd", Decimal("2000.000002001"), True),
        (1, "ratio", 1.0000000009e-12, False),
        (1, "ratio", 1.0000000011e-12, True),
        (2, "cost_usd", Decimal("0"), True),  # null vs zero
        (0, "cost_usd", None, True),
    ],
)
def test_tolerances_are_the_issues(row: int, column: str, value: object, reported: bool) -> None:
    differences = compare_tables("t", BASE, _with(row, column, value), KINDS)
    assert bool(differences) is reported, differences
    if reported:
        assert [(d.problem, d.column) for d in differences] == [("value", column)]


@pytest.mark.parametrize(
    ("row", "column", "value"),
    [(0, "calls", 11), (0, "feature", "draft-emails"), (0, "month", date(2026, 6, 2)), (2, "calls", False)],
)
def test_exact_columns_must_be_equal_in_value_and_type(row: int, column: str, value: object) -> None:
    differences = compare_tables("t", BASE, _with(row, column, value), KINDS)
    assert sorted(d.problem for d in differences) == ["extra_row", "missing_row"]


def test_missing_and_extra_rows_and_columns_are_reported() -> None:
    fewer = Table(COLUMNS, BASE.rows[:2])
    assert [d.problem for d in compare_tables("t", BASE, fewer, KINDS)] == ["missing_row"]
    more = Table(COLUMNS, [*BASE.rows, BASE.rows[0]])
    assert [d.problem for d in compare_tables("t", BASE, more, KINDS)] == ["extra_row"]
    narrower = Table(COLUMNS[:-1], [r[:-1] for r in BASE.rows])
    assert [(d.problem, d.column) for d in compare_tables("t", BASE, narrower, KINDS)] == [("missing_column", "ratio")]
