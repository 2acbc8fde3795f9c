# mailkpi — every target runs inside the project's own environment (.venv from uv.lock).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV := $(PYTHON) -m uv
VENV_STAMP := .venv/.synced
RUN := $(UV) run --frozen --no-sync

# Nothing may reach for the network: no telemetry, no version checks, no Python downloads.
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
export RUNTIME__DLTHUB_TELEMETRY := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_VERSION_CHECK := false
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false
export DO_NOT_TRACK := 1
# Byte-compile installed packages once: where PYTHONDONTWRITEBYTECODE is set, every dbt,
# mailkpi and test process would otherwise recompile each module it imports (~1.5 s for dbt).
export UV_COMPILE_BYTECODE := 1

.PHONY: help setup system-deps build extract transform dashboard test test-future lint format bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(VENV_STAMP): pyproject.toml uv.lock
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || { echo "installing uv with pip"; $(PYTHON) -m pip install --quiet uv; }
	$(UV) sync --frozen --quiet
	@touch $@

setup: $(VENV_STAMP) ## create .venv from uv.lock (installs uv with pip if missing)

# `make test` runs the installs side by side: apt-get takes this lock, one install at a time.
APT_GET := flock /tmp/mailkpi-apt-get.lock sh -c
system-deps: ## Debian packages the browser tests need (chromium, chromium-driver)
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing chromium with apt-get"; \
		$(APT_GET) 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null'; \
	fi

.PHONY: spark-deps
# The sync is checked on every run (under a second when nothing is missing): a plain
# `uv sync` or `make setup` re-syncs .venv exactly and drops the group's packages.
# Without Java the Spark tests skip locally (the test summary lists them); in CI (CI set and
# not false/0/no) that would hide them, so the install's failure stops the run there.
spark-deps: setup ## Java 17 (Debian openjdk) and the `spark` dependency group: the Spark target and its tests
	@if ! command -v java >/dev/null 2>&1; then \
		echo "installing Java 17 with apt-get"; \
		$(APT_GET) 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null' || \
		case "$${CI,,}" in \
			""|0|false|no) echo "could not install Java: the Spark tests will be skipped" ;; \
			*) echo "spark-deps: could not install Java 17 (openjdk-17-jre-headless): the Spark tests cannot run in CI" >&2; exit 1 ;; \
		esac; \
	fi
	@$(UV) sync --frozen --group spark --inexact --quiet

build: setup ## extract every configured source, load DuckDB, dbt build (demo tenant without Graph credentials)
	$(RUN) mailkpi build

extract: setup ## extract and load only
	$(RUN) mailkpi extract

transform: setup ## dbt build only
	$(RUN) mailkpi transform

dashboard: setup ## serve the Streamlit app on localhost
	$(RUN) mailkpi dashboard

lint: setup ## ruff and sqlfluff
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) sqlfluff lint --processes 0 dbt/models dbt/macros dbt/tests  # 0: every core

format: setup ## apply ruff format and sqlfluff fixes
	$(RUN) ruff format .
	$(RUN) ruff check --fix .
	$(RUN) sqlfluff fix dbt/models dbt/macros dbt/tests

# Two workers: the suite waits on subprocesses (dbt, Spark, Chromium) as much as it computes.
# A group of tests sharing an expensive fixture stays on one worker (--dist loadgroup); tests
# start in collection order, where tests/conftest.py puts the longest first.
# No test may depend on the machine's time zone: the whole suite runs west of UTC, then the
# end-to-end build, the demo and the dashboards (the instants they show) again east of it.
PYTEST := $(RUN) pytest -n 2 --dist loadgroup --no-loadscope-reorder
# East of UTC again: what prints and charts instants. The pages' values are asserted in
# AppTest here; the browser tests, which look at the served pages, run in the first pass.
TZ_EAST_TESTS := tests/test_build_e2e.py tests/demo tests/dashboards -m "not browser"
# Before the tests: the Python sync and apt-get wait on the network while the lint computes,
# so they run side by side (the tests started 53 s after `make test` instead of 64 s, with
# Chromium to install).
test: ## the whole offline test suite (lint, pytest on two workers, dbt build on demo data)
	@$(MAKE) --no-print-directory -j3 --output-sync=target system-deps spark-deps lint
	TZ=America/Los_Angeles $(PYTEST)
	TZ=Asia/Kolkata $(PYTEST) $(TZ_EAST_TESTS)

# The wall clock two years ahead in every process of the run (tests/clock/shifted_clock.c,
# preloaded): no test may depend on the date it runs. The installs happen before the shift.
FUTURE_SECONDS ?= 63158400
test-future: setup system-deps spark-deps ## make test with the wall clock two years ahead
	@mkdir -p build
	cc -O2 -shared -fPIC -o build/shifted_clock.so tests/clock/shifted_clock.c -ldl
	SHIFTED_CLOCK_SECONDS=$(FUTURE_SECONDS) LD_PRELOAD=$(CURDIR)/build/shifted_clock.so $(MAKE) test

bench: setup ## benchmarks on synthetic mailboxes of 10k, 100k and 1M messages
	$(RUN) mailkpi bench

clean: ## remove build outputs (keeps data/)
	rm -rf build dbt/target dbt/logs .pytest_cache .ruff_cache
