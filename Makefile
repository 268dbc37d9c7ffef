# Tracedeck: `make run` launches it on the default SQLite database, `make test` runs the whole
# suite. Both install what they need first (system packages, npm/pip, builds) and are safe to
# re-run.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: help setup services build run test test-rust lint bench agno-venv clean

help:
	@echo "make run    - build and launch Tracedeck on the default SQLite database"
	@echo "make test   - install what is needed, start PostgreSQL/MariaDB, run every test"
	@echo "make bench  - run the benchmarks (release build) and print their figures"
	@echo "make lint   - rustfmt and clippy, warnings are errors"

setup:
	@scripts/setup-system.sh

services:
	@scripts/services.sh

agno-venv:
	@scripts/agno-venv.sh >/dev/null

build: setup
	$(CARGO) build --workspace --bins

run: build
	@$(CARGO) run -q -p tracedeck-api --bin tracedeck -- demo
	@echo
	@$(CARGO) run -q -p tracedeck-api --bin tracedeck -- traces list --limit 10

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust: setup services
	TRACEDECK_AGNO_PYTHON="$$(scripts/agno-venv.sh)" $(CARGO) test --workspace --no-fail-fast

test: test-rust lint

bench: setup services
	TRACEDECK_AGNO_PYTHON="$$(scripts/agno-venv.sh)" scripts/bench.sh

clean:
	$(CARGO) clean
