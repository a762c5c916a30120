"""The Parquet export: one file per mart with the mart's rows, columns and money totals; a mart that left
the project loses its file; files are renamed into place, never left half-written."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.assets.export import EXPORT_MANIFEST, MART_MODELS, export_marts

pytestmark = pytest.mark.slow  # reads the built sample warehouse (session fixture)


@pytest.fixture(scope="module")
def exported(built_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    export_dir = tmp_path_factory.mktemp("export")
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        rows = export_marts(con, export_dir, MART_MODELS)
    return export_dir, rows


def _marts_in_warehouse(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]


def test_every_mart_has_its_parquet_file_with_the_same_rows(exported, built_warehouse: Path) -> None:
    export_dir, rows = exported
    marts = _marts_in_warehouse(built_warehouse)
    assert marts and set(marts) == set(rows)
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        for name in marts:
            path = export_dir / f"{name}.parquet"
            table_rows = con.execute(f"select count(*) from marts.{name}").fetchone()[0]
            file_rows = con.execute("select count(*) from read_parquet(?)", [str(path)]).fetchone()[0]
            assert file_rows == table_rows == rows[name], name
            table_columns = con.execute(f"describe marts.{name}").fetchall()
            file_columns = con.execute("describe select * from read_parquet(?)", [str(path)]).fetchall()
            assert [(c[0], c[1]) for c in file_columns] == [(c[0], c[1]) for c in table_columns], name
    assert sorted(p.name for p in export_dir.iterdir()) == sorted([*(f"{m}.parquet" for m in marts), EXPORT_MANIFEST])


def test_money_survives_the_export_exactly(exported, built_warehouse: Path) -> None:
    export_dir, _ = exported
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        in_table = con.execute("select sum(cost_usd), count(distinct call_id) from marts.fct_llm_calls").fetchone()
        in_file = con.execute(
            "select sum(cost_usd), count(distinct call_id) from read_parquet(?)",
            [str(export_dir / "fct_llm_calls.parquet")],
        ).fetchone()
    assert in_file == in_table


def test_a_mart_that_left_the_project_loses_its_file(built_warehouse: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        first = export_marts(con, tmp_path, MART_MODELS)
        kept = [m for m in MART_MODELS if m != "fct_request_trees"]
        second = export_marts(con, tmp_path, kept)
    assert "fct_request_trees" in first and "fct_request_trees" not in second
    assert not (tmp_path / "fct_request_trees.parquet").exists()
    assert (tmp_path / "fct_llm_calls.parquet").exists()
    assert json.loads((tmp_path / EXPORT_MANIFEST).read_text())["rows_by_model"] == second
    assert not list(tmp_path.glob(".*partial"))
