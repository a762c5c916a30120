"""The call-level facts on the generated sample: nothing dropped, nothing counted twice, money stays
DECIMAL, attribution inherits from the root, unpriced usage is flagged, and the incremental fact
equals a full refresh. (Pricing exactness is test_pricing_oracle.py; dbt's own unit and data tests
ran in the ``built_warehouse`` fixture.)"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from orchestration_tests.conftest import copy_warehouse

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent
FACT_ORDER = "order by call_id"


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def feature_aliases() -> dict[str, str]:
    with (REPO_ROOT / "seeds" / "feature_aliases.csv").open(newline="") as handle:
        return {row["alias"]: row["feature_id"] for row in csv.DictReader(handle)}


RAW_CALLS = """
    select span_id as call_id, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens
    from raw.otlp_llm_spans
    union all
    select request_id, prompt_tokens, cache_read_input_tokens, cache_creation_input_tokens, completion_tokens
    from raw.litellm_spend_logs
    union all
    select call_id, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens
    from raw.canonical_llm_calls
"""


def test_every_raw_call_is_in_the_fact_once_with_its_tokens(built_warehouse: Path) -> None:
    raw = query(
        built_warehouse,
        f"""
        select call_id, coalesce(input_tokens, 0), coalesce(cache_read_tokens, 0),
               coalesce(cache_write_tokens, 0), coalesce(output_tokens, 0)
        from ({RAW_CALLS}) as raw_calls
        """,
    )
    fact = query(
        built_warehouse,
        """
        select call_id, input_tokens_total, cache_read_tokens,
               cache_write_5m_tokens + cache_write_1h_tokens, output_tokens
        from marts.fct_llm_calls
        """,
    )
    fact_by_id = {row[0]: row[1:] for row in fact}
    assert len(fact_by_id) == len(fact), "a call_id appears twice in fct_llm_calls"
    raw_ids = {row[0] for row in raw}
    assert raw_ids == set(fact_by_id), (
        f"{len(raw_ids - set(fact_by_id))} raw calls missing, {len(set(fact_by_id) - raw_ids)} unexpected"
    )
    # every source record of a call reports the same usage as the fact row (all three sources in the
    # sample count cache tokens inside input, seeds/token_conventions.csv)
    differing = [row for row in raw if fact_by_id[row[0]] != tuple(row[1:])]
    assert not differing, differing[:5]
    assert len(fact) >= 3500


def test_request_trees_sum_to_the_calls(built_warehouse: Path) -> None:
    calls = query(
        built_warehouse,
        """
        select trace_id, count(*), sum(case when attempt > 0 then 1 else 0 end),
               sum(case when status = 'error' then 1 else 0 end), sum(cost_usd), sum(output_tokens)
        from marts.fct_llm_calls group by trace_id
        """,
    )
    trees = query(
        built_warehouse,
        "select trace_id, calls, retries, failed_calls, cost_usd, output_tokens from marts.fct_request_trees",
    )
    assert sorted(calls) == sorted(trees)
    assert any(row[2] > 0 for row in trees) and any(row[3] > 0 for row in trees), "no retries or failures"
    total_calls = query(built_warehouse, "select sum(cost_usd) from marts.fct_llm_calls")[0][0]
    total_trees = query(built_warehouse, "select sum(cost_usd) from marts.fct_request_trees")[0][0]
    assert total_calls == total_trees


def test_untagged_calls_inherit_from_the_root_span(built_warehouse: Path) -> None:
    aliases = feature_aliases()
    rows = query(
        built_warehouse,
        """
        select calls.call_id, calls.feature, calls.tenant_id, calls.user_id,
               spans.feature, spans.tenant_id, spans.user_id
        from marts.fct_llm_calls as calls
        inner join raw.otlp_llm_spans as llm on calls.call_id = llm.span_id
        inner join raw.otlp_spans as spans on llm.trace_id = spans.trace_id and spans.parent_span_id is null
        where llm.feature is null and llm.tenant_id is null and llm.user_id is null
        """,
    )
    assert len(rows) > 100, "the sample should hold untagged OTLP sub-calls under tagged root spans"
    for call_id, feature, tenant, user, root_feature, root_tenant, root_user in rows:
        expected_feature = aliases.get(root_feature, root_feature) if root_feature else "(untagged)"
        assert (feature, tenant, user) == (expected_feature, root_tenant or "(untagged)", root_user), call_id


def test_feature_rename_keeps_one_history(built_warehouse: Path) -> None:
    rows = query(
        built_warehouse,
        """
        select feature, feature_observed, min(call_date), max(call_date), count(*)
        from marts.fct_llm_calls
        where feature_observed in ('ask-docs', 'search-answer')
        group by all
        """,
    )
    by_tag = {row[1]: row for row in rows}
    assert set(by_tag) == {"ask-docs", "search-answer"}, rows
    assert {row[0] for row in rows} == {"search-answer"}
    assert by_tag["ask-docs"][2] < by_tag["search-answer"][2], "the old tag should precede the new one"


def test_every_production_dollar_has_one_feature_and_tenant(built_warehouse: Path) -> None:
    (bad, untagged, total) = query(
        built_warehouse,
        """
        select
            count(*) filter (where feature is null or tenant_id is null),
            sum(cost_usd) filter (where feature = '(untagged)' or tenant_id = '(untagged)'),
            sum(cost_usd)
        from marts.fct_llm_calls
        where environment = 'production'
        """,
    )[0]
    assert bad == 0
    assert total > 0
    by_group = query(
        built_warehouse,
        "select sum(cost_usd) from marts.fct_llm_calls where environment = 'production' group by feature, tenant_id",
    )
    assert sum(row[0] for row in by_group if row[0] is not None) == total
    assert untagged is None or untagged < total


def test_plan_tier_follows_the_subscription_in_force(built_warehouse: Path, sample_landing: Path) -> None:
    manifest = json.loads((sample_landing / "generator_manifest.json").read_text())
    checked = 0
    for change in manifest["plan_changes"]:
        if change["from_plan"] == change["to_plan"]:
            continue
        rows = query(
            built_warehouse,
            f"""
            select call_date >= date '{change["effective"]}' as after_change, plan_tier, count(*)
            from marts.fct_llm_calls
            where tenant_id = '{change["tenant_id"]}'
            group by all
            """,
        )
        for after_change, plan_tier, _ in rows:
            assert plan_tier == (change["to_plan"] if after_change else change["from_plan"]), (change, rows)
            checked += 1
    assert checked > 0, "the sample has no plan change with calls"


def test_unpriced_calls_are_kept_and_flagged(built_warehouse: Path, sample_landing: Path) -> None:
    manifest = json.loads((sample_landing / "generator_manifest.json").read_text())
    rows = query(
        built_warehouse,
        """
        select is_priced, unpriced_reason, cost_usd is null, list_cost_usd is null, count(*),
               sum(input_tokens_total + output_tokens)
        from marts.fct_llm_calls group by all
        """,
    )
    unpriced = [row for row in rows if not row[0]]
    assert unpriced, "the sample should hold calls of a model genai-prices does not know"
    assert all(row[1] == "model_unmatched" and row[2] and row[3] and row[5] > 0 for row in unpriced), unpriced
    assert sum(row[4] for row in unpriced) == manifest["unpriced_calls"]
    priced = [row for row in rows if row[0]]
    assert all(row[1] is None and not row[2] and not row[3] for row in priced), priced


def test_money_columns_are_decimal(built_warehouse: Path) -> None:
    columns = query(
        built_warehouse,
        """
        select table_schema, table_name, column_name, data_type
        from information_schema.columns
        where table_schema in ('staging', 'intermediate', 'marts')
        """,
    )
    money = [c for c in columns if c[2].endswith("_usd")]
    prices = [c for c in columns if c[2].endswith(("_mtok", "_kcount"))]
    assert {c[1] for c in money} >= {"fct_llm_calls", "fct_request_trees", "int_llm_calls_priced"}
    assert all(c[3] == "DECIMAL(38,12)" for c in money), [c for c in money if c[3] != "DECIMAL(38,12)"]
    assert all(c[3] == "DECIMAL(38,18)" for c in prices), [c for c in prices if c[3] != "DECIMAL(38,18)"]
    floats = [c for c in columns if c[3] in ("DOUBLE", "FLOAT", "REAL")]
    assert not floats, floats


def fact_snapshot(warehouse: Path) -> list[tuple]:
    return query(warehouse, f"select * from marts.fct_llm_calls {FACT_ORDER}")


def test_incremental_runs_equal_a_full_refresh(
    built_warehouse: Path, tmp_path: Path, dbt: Callable[..., object]
) -> None:
    warehouse = copy_warehouse(built_warehouse, tmp_path / "incremental")
    full = fact_snapshot(warehouse)
    (last_day, first_day) = query(warehouse, "select max(call_date), min(call_date) from marts.fct_llm_calls")[0]

    # late rows: the last two days and one day inside the look-back go missing, as if their files had
    # not been loaded yet, and so does the first day, far outside the look-back (default 3 days)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            """
            delete from marts.fct_llm_calls
            where call_date >= ? - interval 1 day or call_date = ? - interval 3 day or call_date = ?
            """,
            [last_day, last_day, first_day],
        )
    dbt(["run", "--select", "fct_llm_calls"], warehouse=warehouse, work_dir=tmp_path / "dbt")
    after_incremental = fact_snapshot(warehouse)
    missing = {row[0] for row in full} - {row[0] for row in after_incremental}
    first_day_ids = {row[0] for row in full if row[4] == first_day}
    assert missing == first_day_ids, "the incremental run must reprocess exactly the look-back window"
    assert after_incremental == [row for row in full if row[4] != first_day]

    dbt(["run", "--select", "fct_llm_calls", "--full-refresh"], warehouse=warehouse, work_dir=tmp_path / "dbt")
    assert fact_snapshot(warehouse) == full
