"""The raw lake as a Dagster asset: after each load, every raw.* table as Parquet under
<lake_dir>/raw/<table>/ (settings.lake_dir, default warehouse/lake), so that Spark or Databricks builds the
same dbt project from exactly what DuckDB loaded (docs/SPARK.md; the writer is orchestration/lake.py).

Downstream of every raw asset, so it runs after the loaders, the rate card, the model map and the ledger.
It reads through a read-only connection: it needs no write lock."""

import dagster as dg

from orchestration.assets.ingestion import RAW_TABLES, raw_key
from orchestration.lake import publish_raw_tables, raw_dir
from orchestration.resources import WarehouseResource

LAKE_KEY = dg.AssetKey(["lake", "raw_parquet"])


@dg.asset(
    key=LAKE_KEY,
    group_name="ingestion",
    kinds={"parquet"},
    deps=[raw_key(table) for table in RAW_TABLES],
    description=(
        "Every raw.* table as Parquet under <lake_dir>/raw/<table>/ (default warehouse/lake), the sources of "
        "the dbt project on Spark or Databricks."
    ),
)
def raw_lake_parquet(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings()
    with warehouse.connect(read_only=True) as con:
        published = publish_raw_tables(con, settings.lake_dir)
    rows = {item.table: item.rows for item in published}
    context.log.info(
        f"published {len(published)} raw table(s), {sum(rows.values()):,} rows, to {raw_dir(settings.lake_dir)}"
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(raw_dir(settings.lake_dir))),
            "rows_by_table": dg.MetadataValue.json(rows),
            "dagster/row_count": dg.MetadataValue.int(sum(rows.values())),
        }
    )


lake_assets: list[dg.AssetsDefinition] = [raw_lake_parquet]

__all__ = ["LAKE_KEY", "lake_assets", "raw_lake_parquet"]
