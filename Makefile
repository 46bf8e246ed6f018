# One entry point for every task. `make serve` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install dev serve test lint format bench reliability cluster cluster-test cluster-bench cluster-down clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# axe-core for the browser tests' accessibility checks, at the version pinned in
# tests/web/axe/package-lock.json, installed from npm's registry into build/npm.
AXE := build/npm/node_modules/axe-core/axe.min.js
$(AXE): tests/web/axe/package.json tests/web/axe/package-lock.json
	mkdir -p build/npm
	cp tests/web/axe/package.json tests/web/axe/package-lock.json build/npm/
	npm ci --prefix build/npm --no-audit --no-fund --silent
	touch $@

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed $(AXE)

## Migrate the database, print a first admin key if there is no user yet, and serve on
## HOST:PORT (127.0.0.1:8000; `make serve PORT=8001` for another port).
serve: install
	$(BIN)/rolodex bootstrap
	$(BIN)/rolodex serve --host $(HOST) --port $(PORT)

## Lint, then the whole test suite (SQLite; PostgreSQL too with ROLODEX_TEST_DATABASE_URL set),
## on TEST_WORKERS parallel workers (each module whole on one; TEST_WORKERS=0 runs in this process).
TEST_WORKERS ?= 2
test: lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

## The reliability suite (tests/reliability: fuzzing, races, kill -9, a lost database,
## isolation) at a larger size than in `make test`; RELIABILITY_SCALE=n sets how much larger.
RELIABILITY_SCALE ?= 5
reliability: dev
	ROLODEX_RELIABILITY_SCALE=$(RELIABILITY_SCALE) $(BIN)/pytest tests/reliability

lint: dev
	$(BIN)/ruff check src tests bench deploy
	$(BIN)/ruff format --check src tests bench deploy
	$(BIN)/mypy

format: dev
	$(BIN)/ruff format src tests bench deploy
	$(BIN)/ruff check --fix src tests bench deploy

## Each operation's rate, latency and RSS beside its framework and storage ceilings, on SQLite
## and PostgreSQL, written to build/bench.json (installs wrk when missing; 15-25 min).
## Pass options with BENCH_ARGS="--scales 10000,100000 --databases sqlite" (see bench/README.md).
bench: dev
	command -v wrk >/dev/null || (apt-get update -q && apt-get install -y -q wrk)
	$(BIN)/python bench/bench_ratelimit.py
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

## A cluster on this machine, as separate processes (deploy/cluster/README.md): etcd, three
## Patroni members (PostgreSQL primary and two replicas), PgBouncer, Redis, four `rolodex serve`
## processes and HAProxy on 127.0.0.1:8080. Installs what is missing with apt.
cluster: install
	$(BIN)/python deploy/cluster/cluster.py up

## Faults under load on that cluster (kill -9 the primary, a Rolodex process, stop a replica,
## the daily limit across processes); about two minutes; figures in build/cluster/faults.json.
cluster-test: install
	$(BIN)/python deploy/cluster/faults.py

## Stop everything `make cluster` started (and check that nothing is left).
## Throughput and p99 with 1, 2 and 4 Rolodex processes on the running cluster (about 2 min).
cluster-bench: install
	command -v wrk >/dev/null || (apt-get update -q && apt-get install -y -q wrk)
	$(BIN)/python deploy/cluster/measure.py

cluster-down:
	$(BIN)/python deploy/cluster/cluster.py down

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
