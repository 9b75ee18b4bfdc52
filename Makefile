# yujuesuan — every target sets itself up; only Python 3.11 is needed on the machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home
WAREHOUSE ?= data/warehouse.duckdb

.PHONY: bytecode fonts setup run test test-fast lint format dev bench bench-large bench-heavy profile status sql clean

# setup: create .venv with the pinned dependencies and the package in editable mode
setup: $(STAMP)
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

# bytecode: our modules compiled once, as pip does for a wheel's: an environment with
# PYTHONDONTWRITEBYTECODE set would otherwise compile them anew in every process
# (the CLI, GX's process, the workers' server: ~0.2 CPU-s each)
bytecode: setup
	$(BIN)/python -m compileall -q pipelines

# run: ingest the bundled sample documents into $(WAREHOUSE) and print a summary
run: setup bytecode
	$(BIN)/yujuesuan ingest data/samples --warehouse $(WAREHOUSE)

# status: list the documents in the warehouse
status: setup
	$(BIN)/yujuesuan status --warehouse $(WAREHOUSE)

# fonts: a CJK system font. The rendered test PDFs (tests/render.py) use the non-embedded STSong-Light,
# which pdfium draws only with a CJK font of the system's: without one its text leaves out some characters
# (seen: '≥', '次'), and the reader reads those pages with pdfminer instead (slower; tests/extract/test_fonts.py).
# Installed with Debian's apt-get when root; else a warning.
fonts:
	@fc-list :lang=zh 2>/dev/null | grep -q . || { \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1; } || \
	    echo "warning: could not install fonts-wqy-microhei; rendered-PDF tests read slower without a CJK font"; \
	  else echo "warning: no CJK font (fc-list :lang=zh); rendered-PDF tests read slower without one (fonts-wqy-microhei)"; fi; }

# test: the whole suite
test: setup fonts
	$(BIN)/python -m pytest

# test-fast: the fast tier (parsers, catalog, tolerance, rule contracts; tests/conftest.py FAST_TIER)
test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

# lint: ruff, mypy --strict (pipelines and tests: [tool.mypy] in pyproject.toml), sqlfluff over the SQL
# (.sqlfluff), the layer contract (import-linter, pyproject.toml [tool.importlinter]); pre-commit runs
# the same hooks (.pre-commit-config.yaml)
lint: setup
	$(BIN)/ruff check pipelines tests setup.py
	$(BIN)/ruff format --check pipelines tests setup.py
	$(BIN)/mypy
	$(BIN)/sqlfluff lint sql expectations
	$(BIN)/lint-imports

# format: apply ruff's formatter and safe fixes
format: setup
	$(BIN)/ruff format pipelines tests
	$(BIN)/ruff check --fix pipelines tests

# dev: the Dagster UI on http://127.0.0.1:3000 (sensor watches data/inbox, nightly schedule at 02:00 Asia/Shanghai)
dev: setup
	mkdir -p $(DAGSTER_HOME)
	$(BIN)/dagster dev -m pipelines.defs -h 127.0.0.1 -p 3000

# sql: the DuckDB shell on the published warehouse, read-only (never blocks the nightly ingest).
# The shell is the PyPI package duckdb-cli, kept in its own small virtualenv; the warehouse is written
# in DuckDB storage v1.5.0 so this CLI opens it (pipelines/load/warehouse.py, STORAGE_VERSION).
DUCKDB_CLI_VERSION ?= 1.5.6
SQL_VENV := .venv-sql
$(SQL_VENV)/bin/duckdb:
	$(PYTHON) -m venv $(SQL_VENV)
	$(SQL_VENV)/bin/pip install --quiet duckdb-cli==$(DUCKDB_CLI_VERSION)

sql: $(SQL_VENV)/bin/duckdb
	@test -f $(WAREHOUSE) || { echo "no warehouse at $(WAREHOUSE): run 'make run' first"; exit 2; }
	$(SQL_VENV)/bin/duckdb -readonly $(WAREHOUSE)

# bench: the whole `yujuesuan ingest` (1 and 2 workers) over data/samples and rendered PDFs, beside
# the pypdfium2 raw-text floor and naive pdfplumber; pages/s, per-stage seconds, peak RSS
bench: setup bytecode
	$(BIN)/python -m pipelines.bench

# bench-large: the same over a nightly-sized folder (samples, rendered and real PDFs, ~850 pages)
bench-large: setup bytecode
	$(BIN)/python -m pipelines.bench --large

# profile: the whole ingest of data/samples with one worker, under pyinstrument
profile: setup bytecode
	$(BIN)/python -m pipelines.bench --profile data/samples

# bench-heavy: time and peak RSS of generated hostile inputs (rectangles, 14,400 pt page, 1,000 pages, 10M cells)
bench-heavy: setup
	$(BIN)/python -m pipelines.bench --heavy

clean:
	rm -rf $(VENV) $(SQL_VENV) data/dagster_home data/warehouse.duckdb data/.warehouse.work.duckdb* \
		data/warehouse.duckdb.lock data/staging data/reports
