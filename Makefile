# The two commands a newcomer needs: `make demo` and `make test`. Everything else is for developers.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# The demo's sample: small enough to finish in a couple of minutes, big enough to show the tail.
DEMO_LANDING ?= data/landing
DEMO_CALLS ?= 200000
DEMO_DAYS ?= 61
DEMO_TENANTS ?= 40
DEMO_SEED ?= 7

.PHONY: help setup demo test lint format dbt-build docs dagster bench test-spark clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

setup: $(STAMP)  ## create .venv and install the project into it (quick when already done)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

demo: setup  ## generate the sample workload, run the nightly job once, print the summary
	$(BIN)/aicost generate --out $(DEMO_LANDING) --calls $(DEMO_CALLS) --days $(DEMO_DAYS) \
		--tenants $(DEMO_TENANTS) --seed $(DEMO_SEED) --force
	$(BIN)/aicost run --landing $(DEMO_LANDING)
	$(BIN)/aicost summary

test: setup lint  ## ruff, sqlfluff, pytest (generator, loaders, pricing oracle, marts, dagster) and dbt build on a sample
	$(BIN)/pytest

lint: setup  ## ruff and sqlfluff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint models tests analyses

format: setup  ## apply ruff and sqlfluff fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/sqlfluff fix models tests analyses

dbt-build: setup  ## dbt build against the warehouse (AICOST_WAREHOUSE)
	$(BIN)/dbt build

docs: setup  ## build the static dbt docs site into target/ (open target/static_index.html: one file, works offline)
	$(BIN)/dbt docs generate --static

dagster: setup  ## the Dagster UI and daemon (schedule, sensors) on http://127.0.0.1:3000
	DAGSTER_HOME=$(CURDIR)/dagster_home $(BIN)/dagster dev -m orchestration.definitions

bench: setup  ## the benchmark at 1M and 10M calls (writes bench/results.json and docs/BENCHMARKS.md)
	$(BIN)/aicost bench --calls 1000000,10000000 --days 30

SPARK_STAMP := $(VENV)/.spark-installed-stamp

$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,spark]'
	@touch $(SPARK_STAMP)

test-spark: setup $(SPARK_STAMP)  ## build the whole project on local Spark (Java 17) and compare every mart with DuckDB
	@test -n "$$JAVA_HOME" || command -v java >/dev/null || { echo "test-spark needs Java 17 (java on PATH or JAVA_HOME)"; exit 1; }
	$(BIN)/pytest -m spark -p no:cacheprovider --durations=5 orchestration_tests/test_spark_parity.py

clean:  ## remove build output (keeps .venv and the landing data)
	rm -rf target logs warehouse/*.duckdb warehouse/*.wal warehouse/export warehouse/lake reports
