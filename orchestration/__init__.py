"""AI cost allocation: Dagster definitions, landing-file loaders, the sample generator and the `aicost` CLI."""
