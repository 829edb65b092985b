# Two commands for a newcomer: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
NUDGE := $(BIN)/nudge

.PHONY: run test lint audit bench install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[postgres]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed $(VENV)/.installed-bench

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## run: install, migrate the SQLite file, make sure a dev tenant exists, serve on :8000
run: install
	$(NUDGE) migrate
	$(NUDGE) dev-tenant
	$(NUDGE) serve

## test: lint, type-check, check the import layers (pyproject.toml) and run the whole suite
## (SQLite and PostgreSQL), on both cores
test: install-test lint
	$(BIN)/pytest -n 2

## bench: the benchmark at full size on PostgreSQL, against raw ceilings measured in the same
## run; prints one table, writes bench/results/latest.json (docs/benchmarks.md). Run it on an
## otherwise idle machine: the figures are ratios, but a busy machine skews them.
bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench

lint: install-test
	$(BIN)/ruff check app channels migrations tests bench
	$(BIN)/ruff format --check app channels migrations tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

## audit: the installed dependencies against known advisories (see SECURITY.md). Where no
## advisory service can be reached, every package is reported as not audited and this passes;
## a known vulnerability fails it.
audit: install-test
	$(BIN)/pip-audit --local --skip-editable --progress-spinner off --timeout 15 2>&1 \
		| tee .venv/audit.log; \
	! grep -q "known vulnerabilit.* in [0-9]" .venv/audit.log

clean:
	rm -rf $(VENV) nudge.db nudge.db-shm nudge.db-wal .nudge-dev-key
