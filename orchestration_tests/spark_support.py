"""Helpers of the Spark parity test (test_spark_parity.py): run dbt on the local Spark target, read tables
back from Spark and from DuckDB, and compare two builds of the same mart row by row.

Kept out of conftest.py so that the default test run never imports pyspark (pyspark is the optional
``spark`` extra). Only ``spark_session`` imports it, lazily.

Tolerances (issue 9): counts, strings, booleans, dates and timestamps must be equal; DECIMAL columns
(money, ratios, shares) within 1e-9 absolute; percentile columns (``p<NN>_...``) and floating-point
columns within 1e-9 relative.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")

MONEY_ABS_TOLERANCE = Decimal("1e-9")
RELATIVE_TOLERANCE = Decimal("1e-9")
PERCENTILE_COLUMN = re.compile(r"^p\d{1,2}_")


class Kind(Enum):
    """How a column is compared."""

    EXACT = "exact"  # integers, strings, booleans, dates, timestamps
    DECIMAL = "decimal"  # money, ratios, shares: 1e-9 absolute
    PERCENTILE = "percentile"  # p<NN>_... columns: 1e-9 relative
    FLOAT = "float"  # double / real: 1e-9 relative


@dataclass(frozen=True)
class Difference:
    table: str
    problem: str  # missing_column | extra_column | missing_row | extra_row | value
    key: tuple[Any, ...] | None = None
    column: str | None = None
    expected: Any = None
    actual: Any = None

    def __str__(self) -> str:
        where = f" row {self.key}" if self.key is not None else ""
        what = f" column {self.column}" if self.column else ""
        values = f": expected {self.expected!r}, got {self.actual!r}" if self.problem == "value" else ""
        return f"{self.table}: {self.problem}{what}{where}{values}"


@dataclass(frozen=True)
class Table:
    """A table read from one engine: column names (lower case) and rows as tuples in that order."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def kind_of(column: str, duckdb_type: str) -> Kind:
    """The comparison kind of a column, from its DuckDB type and name."""
    base = duckdb_type.upper()
    if base.startswith("DECIMAL") or base.startswith("NUMERIC"):
        return Kind.PERCENTILE if PERCENTILE_COLUMN.match(column) else Kind.DECIMAL
    if base in {"DOUBLE", "FLOAT", "REAL"}:
        return Kind.FLOAT
    return Kind.EXACT


def _number(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def values_match(kind: Kind, expected: Any, actual: Any) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if kind is Kind.EXACT:
        if isinstance(expected, bool) or isinstance(actual, bool):
            return type(expected) is type(actual) and expected == actual
        return expected == actual
    expected_number, actual_number = _number(expected), _number(actual)
    difference = abs(expected_number - actual_number)
    if kind is Kind.DECIMAL:
        return difference <= MONEY_ABS_TOLERANCE
    return difference <= RELATIVE_TOLERANCE * max(abs(expected_number), abs(actual_number))


def _sort_key(values: Iterable[Any]) -> tuple[Any, ...]:
    # None first, then by type name so that mixed types never compare directly.
    return tuple((value is not None, type(value).__name__, value) for value in values)


def _typed(values: Iterable[Any]) -> tuple[Any, ...]:
    # A row key where 0 and False (or 1 and 1.0) differ, as they do in SQL types.
    return tuple((type(value).__name__, value) for value in values)


def compare_tables(name: str, expected: Table, actual: Table, kinds: Mapping[str, Kind]) -> list[Difference]:
    """Every difference between two builds of one table (expected: DuckDB, actual: Spark).

    Rows are matched on their exact columns (the grain and every count, flag, date and label); rows with
    the same exact values are paired in the order of their approximate columns. Columns are matched by
    name, so engines may order them differently (Spark puts partition columns last)."""
    differences: list[Difference] = []
    expected_columns, actual_columns = set(expected.columns), set(actual.columns)
    differences += [Difference(name, "missing_column", column=c) for c in sorted(expected_columns - actual_columns)]
    differences += [Difference(name, "extra_column", column=c) for c in sorted(actual_columns - expected_columns)]
    shared = [c for c in expected.columns if c in actual_columns]
    exact = [c for c in shared if kinds.get(c, Kind.EXACT) is Kind.EXACT]
    approximate = [c for c in shared if kinds.get(c, Kind.EXACT) is not Kind.EXACT]

    def grouped(table: Table) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
        groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
        for row in table.as_dicts():
            groups[_typed(row[c] for c in exact)].append(row)
        for rows in groups.values():
            rows.sort(key=lambda row: _sort_key(row[c] for c in approximate))
        return groups

    expected_groups, actual_groups = grouped(expected), grouped(actual)
    for key in sorted(set(expected_groups) | set(actual_groups), key=_sort_key):
        expected_rows, actual_rows = expected_groups.get(key, []), actual_groups.get(key, [])
        labelled = tuple(f"{c}={v}" for c, (_, v) in zip(exact, key, strict=True))
        for expected_row, actual_row in zip(expected_rows, actual_rows, strict=False):
            for column in approximate:
                if not values_match(kinds[column], expected_row[column], actual_row[column]):
                    differences.append(
                        Difference(name, "value", labelled, column, expected_row[column], actual_row[column])
                    )
        differences += [Difference(name, "missing_row", labelled)] * max(0, len(expected_rows) - len(actual_rows))
        differences += [Difference(name, "extra_row", labelled)] * max(0, len(actual_rows) - len(expected_rows))
    return differences


# ------------------------------------------------------------------------------------------------ DuckDB


def duckdb_tables(warehouse: Path, schema: str) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = ? order by 1", [schema]
            ).fetchall()
        ]


def read_duckdb_table(warehouse: Path, schema: str, table: str) -> tuple[Table, dict[str, Kind]]:
    """The rows of ``schema.table`` and the comparison kind of each column."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        types = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
        rows = con.execute(f'select * from "{schema}"."{table}"').fetchall()
    columns = tuple(name.lower() for name, _ in types)
    return Table(columns, rows), {name.lower(): kind_of(name.lower(), data_type) for name, data_type in types}


# ------------------------------------------------------------------------------------------------- Spark


@dataclass(frozen=True)
class SparkRun:
    """Where one local Spark build keeps its files (all under one temporary folder)."""

    spark_dir: Path  # metastore (Derby), derby.log and spark-warehouse: AICOST_SPARK_DIR
    lake_dir: Path  # the raw Parquet lake: AICOST_LAKE_DIR
    work_dir: Path  # dbt target and log folders

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "AICOST_DBT_TARGET": "spark",
            "AICOST_SPARK_DIR": str(self.spark_dir),
            "AICOST_LAKE_DIR": str(self.lake_dir),
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }

    @property
    def target_dir(self) -> Path:
        return self.work_dir / "target"

    def dbt(self, args: Sequence[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``dbt <args> --target spark`` as a subprocess (its own JVM), output captured."""
        return run_dbt_command(args, env=self.env(), work_dir=self.work_dir, check=check)


def run_dbt_command(
    args: Sequence[str], *, env: Mapping[str, str], work_dir: Path, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """``dbt <args>`` on this project, with its target and log folders in ``work_dir``, run from there."""
    work_dir.mkdir(parents=True, exist_ok=True)
    command = [
        str(DBT_EXECUTABLE),
        *args,
        "--project-dir",
        str(REPO_ROOT),
        "--profiles-dir",
        str(REPO_ROOT),
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
    ]
    completed = subprocess.run(command, cwd=work_dir, env=dict(env), capture_output=True, text=True, check=False)
    if check and completed.returncode != 0:
        tail = "\n".join((completed.stdout + completed.stderr).splitlines()[-120:])
        target = env.get("AICOST_DBT_TARGET")
        raise AssertionError(f"dbt {' '.join(args)} (target {target}) failed (exit {completed.returncode}):\n{tail}")
    return completed


def compile_inline(sql: str, *, env: Mapping[str, str], work_dir: Path) -> str:
    """The SQL that dbt compiles ``sql`` (Jinja: the project's macros) to for the target in ``env``, without
    connecting to the engine (no cache, no introspection)."""
    completed = run_dbt_command(
        ["compile", "--no-introspect", "--no-populate-cache", "--quiet", "--output", "json", "--inline", sql],
        env=env,
        work_dir=work_dir,
    )
    return json.loads(completed.stdout)["compiled"]


def spark_profile_parameters(env: Mapping[str, str]) -> dict[str, str]:
    """The ``server_side_parameters`` of the spark target in profiles.yml, rendered with ``env``, so that the
    reading session uses exactly the metastore, warehouse folder and settings dbt used."""
    profile = yaml.safe_load((REPO_ROOT / "profiles.yml").read_text(encoding="utf-8"))
    parameters = profile["ai_cost_allocation"]["outputs"]["spark"]["server_side_parameters"]

    def env_var(name: str, default: str | None = None) -> str:
        if name in env:
            return env[name]
        if default is None:
            raise KeyError(name)
        return default

    jinja = jinja2.Environment(undefined=jinja2.StrictUndefined)
    return {str(k): jinja.from_string(str(v)).render(env_var=env_var) for k, v in parameters.items()}


def spark_session(run: SparkRun):  # -> pyspark.sql.SparkSession
    """A local SparkSession on the metastore of ``run`` (start it only after dbt's JVM has exited: the
    embedded Derby metastore admits one JVM at a time)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master("local[2]").appName("aicost-spark-parity").enableHiveSupport()
    for key, value in spark_profile_parameters(run.env()).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def read_spark_table(spark, schema: str, table: str) -> Table:
    """The rows of ``schema.table`` as Python values; timestamps as naive UTC (timestamp_ntz)."""
    frame = spark.table(f"{schema}.{table}")
    selected = [
        f"cast(`{field.name}` as timestamp_ntz) as `{field.name}`"
        if field.dataType.typeName() == "timestamp"
        else f"`{field.name}`"
        for field in frame.schema.fields
    ]
    frame = frame.selectExpr(*selected)
    columns = tuple(field.name.lower() for field in frame.schema.fields)
    return Table(columns, [tuple(row) for row in frame.collect()])
