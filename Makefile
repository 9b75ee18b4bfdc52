# yujuesuan — every target sets itself up; only Python 3.11 is needed on the machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home
WAREHOUSE ?= data/warehouse.duckdb

.PHONY: setup run test lint format dev bench bench-heavy status clean

# setup: create .venv with the pinned dependencies and the package in editable mode
setup: $(STAMP)
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

# run: ingest the bundled sample documents into $(WAREHOUSE) and print a summary
run: setup
	$(BIN)/yujuesuan ingest data/samples --warehouse $(WAREHOUSE)

# status: list the documents in the warehouse
status: setup
	$(BIN)/yujuesuan status --warehouse $(WAREHOUSE)

# test: the whole suite
test: setup
	$(BIN)/python -m pytest

# lint: ruff and mypy
lint: setup
	$(BIN)/ruff check pipelines tests
	$(BIN)/ruff format --check pipelines tests
	$(BIN)/mypy pipelines

# format: apply ruff's formatter and safe fixes
format: setup
	$(BIN)/ruff format pipelines tests
	$(BIN)/ruff check --fix pipelines tests

# dev: the Dagster UI on http://127.0.0.1:3000 (sensor watches data/inbox, nightly schedule at 02:00 Asia/Shanghai)
dev: setup
	mkdir -p $(DAGSTER_HOME)
	$(BIN)/dagster dev -m pipelines.defs -h 127.0.0.1 -p 3000

# bench: pages/s and peak memory of the pipeline over data/samples, beside a naive pdfplumber baseline
bench: setup
	$(BIN)/python -m pipelines.bench data/samples

# bench-heavy: time and peak RSS of generated hostile inputs (rectangles, 14,400 pt page, 1,000 pages, 10M cells)
bench-heavy: setup
	$(BIN)/python -m pipelines.bench --heavy

clean:
	rm -rf $(VENV) data/dagster_home data/warehouse.duckdb data/staging data/reports
