"""Samplers over the compact empirical tables in orchestration/data/ (see ATTRIBUTION.md there).

Sizes are drawn by inverse-CDF sampling with linear interpolation between the stored quantiles, so
the generated marginals follow the real traces (Azure conversation trace for chat-sized turns,
Mooncake for long conversations) including their tails.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

import numpy as np

from orchestration.settings import DATA_DIR


def _read_columns(name: str) -> dict[str, np.ndarray]:
    with (DATA_DIR / name).open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {key: np.array([float(r[key]) if r[key] != "" else np.inf for r in rows]) for key in rows[0]}


@dataclass(frozen=True)
class QuantileTable:
    probabilities: np.ndarray
    values: np.ndarray

    def sample(self, uniforms: np.ndarray) -> np.ndarray:
        return np.interp(uniforms, self.probabilities, self.values)


@dataclass(frozen=True)
class EmpiricalTables:
    azure_context: QuantileTable
    azure_generated: QuantileTable
    mooncake_input: QuantileTable
    mooncake_output: QuantileTable
    reuse_bucket_upper: np.ndarray  # upper input-length edge of each prefix-reuse bucket (last is inf)
    reuse_by_bucket: tuple[QuantileTable, ...]

    def prefix_hit_fraction(self, input_tokens: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
        """Share of a prompt's 512-token blocks already in the prefix cache, by the prompt's length (Mooncake)."""
        bucket = np.searchsorted(self.reuse_bucket_upper, input_tokens, side="right")
        bucket = np.minimum(bucket, len(self.reuse_by_bucket) - 1)
        out = np.empty(len(input_tokens), dtype=np.float64)
        for index, table in enumerate(self.reuse_by_bucket):
            mask = bucket == index
            out[mask] = table.sample(uniforms[mask])
        return out


@cache
def load_tables() -> EmpiricalTables:
    azure = _read_columns("azure_conv_token_quantiles.csv")
    mooncake = _read_columns("mooncake_token_quantiles.csv")
    reuse = _read_columns("mooncake_prefix_reuse.csv")
    buckets = np.unique(reuse["bucket"]).astype(int)
    reuse_tables = []
    uppers = []
    for bucket in buckets:
        mask = reuse["bucket"] == bucket
        reuse_tables.append(QuantileTable(reuse["quantile"][mask], reuse["hit_block_fraction"][mask]))
        uppers.append(reuse["max_input_tokens"][mask][0])
    return EmpiricalTables(
        azure_context=QuantileTable(azure["quantile"], azure["context_tokens"]),
        azure_generated=QuantileTable(azure["quantile"], azure["generated_tokens"]),
        mooncake_input=QuantileTable(mooncake["quantile"], mooncake["input_tokens"]),
        mooncake_output=QuantileTable(mooncake["quantile"], mooncake["output_tokens"]),
        reuse_bucket_upper=np.array(uppers[:-1]),
        reuse_by_bucket=tuple(reuse_tables),
    )


def read_focus_templates() -> tuple[list[str], list[dict[str, str]]]:
    """Real non-AI FOCUS 1.0 rows (FOCUS-Sample-Data, CC-BY-4.0) and the column order of the sample."""
    with (DATA_DIR / "focus_non_ai_templates.csv").open(newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)
