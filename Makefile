# citybase — the front door. `make demo` and `make test` work from a fresh clone.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9

# Python keeps compiled modules (a night's processes import Dagster and dbt, seconds each uncached).
unexport PYTHONDONTWRITEBYTECODE

export CITYBASE_HOME ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(CITYBASE_HOME)/dagster

# The demo city: by default `citybase demo`'s (orchestration/settings.py DEMO_CITY, a small city
# on the day before National Day and on the holiday); `make demo SCALE=1 DAYS=7` for a bigger one.
SCALE ?=
DAYS ?=
START ?=
SEED ?=
DEFECT_RATE ?=

.PHONY: install demo dev docs test test-fast lint lock clean bench

install: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

demo: install
	$(BIN)/citybase demo $(if $(SCALE),--scale $(SCALE)) $(if $(DAYS),--days $(DAYS)) \
		$(if $(START),--start $(START)) $(if $(SEED),--seed $(SEED)) \
		$(if $(DEFECT_RATE),--defect-rate $(DEFECT_RATE))

dev: install
	$(BIN)/citybase dev --port 3000

# dbt docs of the warehouse built by `make demo`, served on http://127.0.0.1:$(DOCS_PORT).
DOCS_PORT ?= 8080
docs: install
	mkdir -p $(CITYBASE_HOME)
	cd dbt_project && ../$(BIN)/dbt docs generate --quiet --profiles-dir . --target-path target/docs \
		&& ../$(BIN)/dbt docs serve --profiles-dir . --target-path target/docs \
			--host 127.0.0.1 --port $(DOCS_PORT) --no-browser

lint: install
	$(BIN)/ruff check orchestration tests
	$(BIN)/ruff format --check orchestration tests
	$(BIN)/lint-imports --no-cache  # imports run downwards: the layers in pyproject.toml
	mkdir -p $(CITYBASE_HOME)
	# parsed as the nights parse (profiles.yml, `night`): a new home's night reuses this parse
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir . --target night \
		&& ../$(BIN)/sqlfluff lint ../models

test: lint
	$(BIN)/pytest

# The inner loop: ruff, the import layers, and the tests that build no whole demo city.
test-fast: install
	$(BIN)/ruff check orchestration tests
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest -m "not slow" -q

# The benchmark (README: Performance): real nights at several scales, against bare SQL.
# Results in bench/results/<date>.json, .md and .svg; scratch space in bench/work/.
BENCH_SCALES ?= 0.01,0.1,1,10
BENCH_REPEAT ?= 3
BENCH_HISTORY ?= 30
BENCH_HISTORY_SCALE ?= 0.1
BENCH_SPARK_SCALE ?= 1
bench: install
	$(BIN)/citybase bench --scales $(BENCH_SCALES) --repeat $(BENCH_REPEAT) \
		--history $(BENCH_HISTORY) --history-scale $(BENCH_HISTORY_SCALE) \
		--spark-scale $(BENCH_SPARK_SCALE)

# Re-pin every dependency from pyproject.toml (needs the package registry).
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra spark --python 3.11 -o requirements.lock

clean:
	rm -rf data dbt_project/target dbt_project/logs .pytest_cache
