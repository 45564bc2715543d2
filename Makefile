# Two commands set Baimo up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
VPY := $(VENV)/bin/python
PORT ?= 8000

# Django 6.1 needs Python 3.12 or newer: PYTHON= wins, then python3.13/3.12 on the PATH, then pyenv's.
PYTHON ?= $(shell for c in python3.13 python3.12 python3 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[3-9]*/bin/python3 $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3 2>/dev/null | sort -rV); do \
	command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$c; break; }; done)

.PHONY: help run test lint format check-python serve seed editor install install-dev browsers stack-deps

help:
	@echo "make run   - set up on SQLite, load the seed content and serve http://127.0.0.1:$(PORT)"
	@echo "make test  - install the development dependencies and run the whole test suite"

check-python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "Baimo needs Python 3.12 or newer and none was found (tried python3.13, python3.12, python3, pyenv)."; \
		echo "Install one, or name it: make run PYTHON=/path/to/python3.13"; exit 1; fi

$(VENV)/.created: | check-python
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.created
	$(VPY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(VPY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

seed: install
	$(VPY) manage.py migrate --noinput
	$(VPY) manage.py load_seed
	$(VPY) manage.py changes_backfill -v 0

editor: install
	$(VPY) manage.py ensure_editor --admin-url http://127.0.0.1:$(PORT)/admin/

# The worker (django-tasks-db) records the change feed and sends webhooks beside the development server.
run: seed editor
	@$(VPY) manage.py db_worker --no-reload --interval 1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(VPY) manage.py runserver 127.0.0.1:$(PORT)

# Browser tests drive Debian's Chromium; never a downloaded browser build.
browsers:
	@bash scripts/install-browser-deps

# The front-cache tests run the production topology with Debian's Varnish (scripts/stack).
stack-deps:
	@bash scripts/install-stack-deps

test: install-dev browsers stack-deps
	$(VPY) -m pytest

# The benchmark (bench/run.py; Debian's wrk, varnish, redis-server): the production stack, direct and through
# Varnish, in interleaved rounds; on PostgreSQL (DATABASE_URL, else baimo_bench). docs/performance.md.
# e.g. BENCH_ARGS="--scale", BENCH_ARGS="--targets article,api-article,search-word,mix --duration 60 --rounds 1"
.PHONY: bench
bench: install
	@bash scripts/install-bench-deps
	$(VPY) bench/run.py $(BENCH_ARGS)

lint: install-dev
	$(VPY) -m ruff check .
	$(VPY) -m ruff format --check .
	$(VENV)/bin/lint-imports

format: install-dev
	$(VPY) -m ruff check --fix .
	$(VPY) -m ruff format .
