"""Derive the compact empirical tables in orchestration/data/ from the real public traces.

Run once, by hand, when the tables need rebuilding (the generator itself never reads ../shared):

    .venv/bin/python -m orchestration.generate.derive_tables --realdata ../shared/realdata

Sources, commits and licenses are in orchestration/data/ATTRIBUTION.md. Every table is a few KB:
quantile tables of token sizes, prefix-cache reuse by input length, and a handful of real non-AI
FOCUS rows to re-date as background charges.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from orchestration.settings import DATA_DIR

QUANTILE_STEPS = 1000  # 1001 points: 0.000, 0.001, ..., 1.000 — keeps the tail (p99.9) intact
CACHE_QUANTILE_STEPS = 100
MOONCAKE_BLOCK_TOKENS = 512
LENGTH_BUCKETS = 5
FOCUS_TEMPLATE_SERVICES = (
    ("Amazon Elastic Compute Cloud", "Compute"),
    ("Amazon Elastic Compute Cloud", "Storage"),
    ("Amazon Simple Storage Service", "Storage"),
    ("AmazonCloudWatch", "Management and Governance"),
    ("Elastic Load Balancing", "Networking"),
    ("AWS Lambda", "Compute"),
    ("Amazon DynamoDB", "Databases"),
    ("Amazon Simple Queue Service", "Integration"),
)


def _quantiles(values: np.ndarray, steps: int) -> np.ndarray:
    return np.quantile(values.astype(np.float64), np.linspace(0.0, 1.0, steps + 1), method="linear")


def derive_azure(realdata: Path, out_dir: Path) -> None:
    rows = np.genfromtxt(realdata / "AzureLLMInferenceTrace_conv.csv", delimiter=",", skip_header=1, usecols=(1, 2))
    context, generated = rows[:, 0], rows[:, 1]
    q = np.linspace(0.0, 1.0, QUANTILE_STEPS + 1)
    with (out_dir / "azure_conv_token_quantiles.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["quantile", "context_tokens", "generated_tokens"])
        for p, c, g in zip(q, _quantiles(context, QUANTILE_STEPS), _quantiles(generated, QUANTILE_STEPS), strict=True):
            writer.writerow([f"{p:.3f}", f"{c:.2f}", f"{g:.2f}"])


def _prefix_hits(hash_ids: list[list[int]]) -> np.ndarray:
    """Leading blocks of each request already seen in an earlier request (prefix-cache hits, in arrival order)."""
    seen: set[int] = set()
    hits = np.zeros(len(hash_ids), dtype=np.int64)
    for index, blocks in enumerate(hash_ids):
        shared = 0
        for block in blocks:
            if block not in seen:
                break
            shared += 1
        hits[index] = shared
        seen.update(blocks)
    return hits


def derive_mooncake(realdata: Path, out_dir: Path) -> None:
    records = [json.loads(line) for line in (realdata / "mooncake_conversation_trace.jsonl").open()]
    records.sort(key=lambda record: record["timestamp"])  # cache state follows arrival order
    input_length = np.array([r["input_length"] for r in records], dtype=np.int64)
    output_length = np.array([r["output_length"] for r in records], dtype=np.int64)
    blocks = np.array([len(r["hash_ids"]) for r in records], dtype=np.int64)
    hit_fraction = _prefix_hits([r["hash_ids"] for r in records]) / blocks

    q = np.linspace(0.0, 1.0, QUANTILE_STEPS + 1)
    with (out_dir / "mooncake_token_quantiles.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["quantile", "input_tokens", "output_tokens"])
        for p, i, o in zip(
            q, _quantiles(input_length, QUANTILE_STEPS), _quantiles(output_length, QUANTILE_STEPS), strict=True
        ):
            writer.writerow([f"{p:.3f}", f"{i:.2f}", f"{o:.2f}"])

    edges = np.quantile(input_length, np.linspace(0.0, 1.0, LENGTH_BUCKETS + 1))
    edges[0], edges[-1] = 0, np.inf
    bucket = np.clip(np.searchsorted(edges, input_length, side="right") - 1, 0, LENGTH_BUCKETS - 1)
    cq = np.linspace(0.0, 1.0, CACHE_QUANTILE_STEPS + 1)
    with (out_dir / "mooncake_prefix_reuse.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["bucket", "min_input_tokens", "max_input_tokens", "quantile", "hit_block_fraction"])
        for b in range(LENGTH_BUCKETS):
            values = _quantiles(hit_fraction[bucket == b], CACHE_QUANTILE_STEPS)
            upper = "" if np.isinf(edges[b + 1]) else int(edges[b + 1])
            for p, v in zip(cq, values, strict=True):
                writer.writerow([b, int(edges[b]), upper, f"{p:.2f}", f"{v:.4f}"])


def derive_focus_templates(realdata: Path, out_dir: Path) -> None:
    with (realdata / "focus_1.0_sample.csv").open(newline="") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])
        rows = list(reader)
    chosen = []
    for service, category in FOCUS_TEMPLATE_SERVICES:
        candidates = [
            r
            for r in rows
            if r["ServiceName"] == service
            and r["ServiceCategory"] == category
            and r["ChargeCategory"] == "Usage"
            and r["BilledCost"] not in ("NULL", "")
            and float(r["BilledCost"]) > 0
        ]
        # Prefer the Bedrock region (us-east-1) so the background charges sit beside the AI ones.
        candidates.sort(key=lambda r: r["RegionId"] != "us-east-1")
        chosen.append(candidates[0])
    with (out_dir / "focus_non_ai_templates.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--realdata", type=Path, required=True, help="folder holding the real traces (../shared/realdata)"
    )
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    derive_azure(args.realdata, args.out)
    derive_mooncake(args.realdata, args.out)
    derive_focus_templates(args.realdata, args.out)


if __name__ == "__main__":
    main()
