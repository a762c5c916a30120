"""Sample workload generator: a realistic, deterministic landing folder for the pipeline.

    from orchestration.generate import generate_workload
    manifest = generate_workload(Path("data/landing"), calls=200_000, days=61, tenants=40, seed=7)

See docs/GENERATOR.md.
"""

from orchestration.generate.catalog import DEFAULT_START
from orchestration.generate.core import MANIFEST_NAME, generate_workload

__all__ = ["DEFAULT_START", "MANIFEST_NAME", "generate_workload"]
