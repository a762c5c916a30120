"""The HTML report as an asset: reports/ai_cost_report.html (settings.report_path), rebuilt from the marts
after every nightly run. `aicost report` writes the same file on demand (orchestration.report)."""

import dagster as dg

from orchestration.assets.export import MART_KEYS
from orchestration.report import write_report
from orchestration.resources import WarehouseResource


@dg.asset(
    key=dg.AssetKey(["reports", "ai_cost_report"]),
    group_name="reporting",
    kinds={"html"},
    deps=MART_KEYS,
    description=(
        "One self-contained HTML file (opens offline): margins, cost per active user, tails, tenant Pareto, "
        "cache savings, reconciliation drift, budget alerts and data quality, from the marts."
    ),
)
def ai_cost_report(warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings()
    path = write_report(settings, settings.report_path)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "size_bytes": dg.MetadataValue.int(path.stat().st_size),
        }
    )
