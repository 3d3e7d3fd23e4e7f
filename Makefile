# CIIC Platform. `make run` sets everything up and serves; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PG_URL ?= $(if $(DATABASE_URL),$(DATABASE_URL),postgres://postgres@127.0.0.1:5432/postgres)

.PHONY: run test test-sqlite test-postgres install setup lint browser messages clean-venv

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the pinned dependencies change.
$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Migrate, load the CIIC 2023 spec and demo data once (a second run keeps what exists).
setup: install
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_setup

run: setup
	@echo "CIIC Platform: http://127.0.0.1:$(PORT)/"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Debian's Chromium for the browser tests (never a downloaded browser).
browser:
	@command -v /usr/bin/chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; fi; }

lint: install
	$(VENV)/bin/ruff check .

test-sqlite: install browser
	env -u DATABASE_URL $(PY) -m pytest

test-postgres: install browser
	DATABASE_URL=$(PG_URL) $(PY) -m pytest

# The whole suite on SQLite, then on PostgreSQL when it answers.
test: lint test-sqlite
	@if $(PY) scripts/pg_ready.py "$(PG_URL)"; then \
	  $(MAKE) --no-print-directory test-postgres; \
	else echo "PostgreSQL not reachable at $(PG_URL): suite ran on SQLite only"; fi

messages: install
	$(PY) manage.py makemessages -l en --ignore='.venv/*' --ignore='test-artifacts/*' --no-obsolete
	$(PY) manage.py compilemessages -l en --ignore='.venv/*'

clean-venv:
	rm -rf $(VENV)
