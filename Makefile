# One entry point for every task. `make serve` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install dev serve test lint format bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

## Migrate the database, print a first admin key if there is no user yet, and serve on :8000.
serve: install
	$(BIN)/rolodex bootstrap
	$(BIN)/rolodex serve --host $(HOST) --port $(PORT)

## Lint, then the whole test suite (SQLite; PostgreSQL too with ROLODEX_TEST_DATABASE_URL set).
test: lint
	$(BIN)/pytest

lint: dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: dev
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

## Requests/s and latency of GET one contact and a list of 100 beside a bare-Starlette ceiling
## (needs wrk; see bench/README.md). Pass options with BENCH_ARGS="--contacts 10000 --workers 2".
bench: install
	$(BIN)/python bench/bench_ratelimit.py
	$(BIN)/python bench/bench_api.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
