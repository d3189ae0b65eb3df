# Slipstream: `make run` starts the app, `make test` proves it. Both set up everything first.

SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
PY    := $(BIN)/python
STAMP := $(VENV)/.installed-stamp
ADDR  ?= 127.0.0.1:8000

# The first Python >= 3.12 found: python3.13, python3.12, pyenv's, then python3.
PYTHON ?= $(shell for p in python3.13 python3.12 $(wildcard $(HOME)/.pyenv/versions/3.1[23]*/bin/python3) python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)

.PHONY: run test install migrate demo bench clean help backup restore test-faults docs

help:
	@echo "make run   - set up, migrate, load the demo chapter, start web + Celery worker + beat"
	@echo "make test  - set up, then lint, check migrations and run the whole test suite"
	@echo "make test-faults - the slow tests that break PostgreSQL and Redis on purpose"
	@echo "make bench - load a region and measure it (BENCH_SCALE=20 for a quick run; docs/performance.md)"
	@echo "make docs  - build the documentation in docs/ with MkDocs (strict) into var/site/"
	@echo "make backup - back up the database to var/backups/ (pg_dump, or dumpdata on SQLite)"
	@echo "make restore FILE=var/backups/... - replace the database with that backup"

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "Slipstream needs Python 3.12 or newer. Install it, or run: make PYTHON=/path/to/python3.12 ..." >&2; \
		exit 1; fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP)

migrate: $(STAMP)
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput

demo: migrate
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_demo

run: demo
	@DEBUG=$${DEBUG:-1} ADDR=$(ADDR) SITE_URL=$${SITE_URL:-http://$(ADDR)} BIN=$(BIN) ./scripts/run-stack

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest --numprocesses=auto --maxprocesses=4

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

bench: $(STAMP)
	$(PY) -m bench.run

docs: $(STAMP)
	$(BIN)/mkdocs build --strict

test-faults: $(STAMP)
	$(BIN)/pytest -m faults tests/trust

backup: $(STAMP)
	@PY=$(PY) ./scripts/backup

restore: $(STAMP)
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/slipstream-....dump" >&2; exit 1; }
	@PY=$(PY) ./scripts/restore "$(FILE)"
