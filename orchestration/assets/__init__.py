"""Dagster assets: ingestion (ingestion.py) and the dbt project (dbt_models.py)."""
