# The two commands of the README: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export SPAREKEY_DATA_DIR ?= $(CURDIR)/data

.PHONY: run test lint bench clean

$(BIN)/sparekey: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev: $(BIN)/sparekey
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/sparekey
	$(BIN)/sparekey serve

# The whole suite on SQLite; again on PostgreSQL when SPAREKEY_TEST_POSTGRES names a server.
# Browser tests run where Chromium is installed (SPAREKEY_REQUIRE_BROWSER=1 makes them mandatory).
test: $(VENV)/.dev
	$(BIN)/pytest
	@if [ -n "$$SPAREKEY_TEST_POSTGRES" ]; then \
		echo "== the suite again on PostgreSQL"; \
		SPAREKEY_TEST_DB=postgres $(BIN)/pytest -m "not e2e"; \
	fi

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy sparekey

# The benchmark (bench/): QUICK=1 for smaller data and shorter runs (under 3 minutes).
# Needs wrk (`apt-get install -y wrk`) and PostgreSQL at SPAREKEY_BENCH_POSTGRES
# (default postgres://postgres@127.0.0.1:5432/postgres); prints a table, passes or fails nothing.
bench: $(VENV)/.dev
	QUICK=$(QUICK) $(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
