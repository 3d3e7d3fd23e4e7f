# CIIC Platform. `make run` sets everything up and serves; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PG_URL ?= $(if $(DATABASE_URL),$(DATABASE_URL),postgres://postgres@127.0.0.1:5432/postgres)

.PHONY: run dev test test-sqlite test-postgres install setup lint fonts browser messages clean-venv

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the pinned dependencies change.
$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# This installation's secrets (DEBUG off needs them), written once and kept; a file from an
# earlier version gets the settings it lacks (scripts/local_env.py).
# Migrate, load the CIIC 2023 spec and demo data once (a second run keeps what exists).
setup: install fonts
	mkdir -p var
	$(PY) scripts/local_env.py var/local.env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_setup

# What a user sees: gunicorn with DEBUG off, static files through WhiteNoise, plain 404 pages
# (gunicorn.conf.py). The task worker (originality checks, assignment solves) runs beside it
# and stops when it stops; restart `make run` after changing code. PORT also sets the links in
# emails (SITE_URL).
export PORT
run: setup
	@echo "CIIC Platform: http://127.0.0.1:$(PORT)/"
	@$(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	DEBUG=false SECURE_COOKIES=false $(PY) -m gunicorn

# For developers: Django's runserver with autoreload and debug pages.
dev: setup
	@echo "CIIC Platform (development): http://127.0.0.1:$(PORT)/"
	@$(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Debian packages the project needs, installed when missing: the CJK font the submission PDFs
# embed (fonts-noto-cjk) and, for the browser tests, Debian's Chromium (never a downloaded browser).
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
APT_INSTALL = if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq

fonts:
	@test -f $(CJK_FONT) || { $(APT_INSTALL) fonts-noto-cjk >/dev/null; }

browser: fonts
	@command -v /usr/bin/chromium >/dev/null || { $(APT_INSTALL) chromium >/dev/null; }

# ruff, then the import contracts of pyproject.toml (the layers of docs/architecture.md).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache --no-logo

test-sqlite: install browser
	env -u DATABASE_URL $(PY) -m pytest

test-postgres: install browser
	DATABASE_URL=$(PG_URL) $(PY) -m pytest

# The whole suite on SQLite, then on PostgreSQL when it answers.
# Both databases at once when PostgreSQL answers (two cores: the passes take about as long
# together as the PostgreSQL one alone); each pass's output is printed whole when it ends.
test: lint
	@if $(PY) scripts/pg_ready.py "$(PG_URL)"; then \
	  $(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres; \
	else echo "PostgreSQL not reachable at $(PG_URL): suite runs on SQLite only"; \
	  $(MAKE) --no-print-directory test-sqlite; fi

messages: install
	$(PY) manage.py makemessages -l en --ignore='.venv/*' --ignore='test-artifacts/*' --no-obsolete
	$(PY) manage.py compilemessages -l en --ignore='.venv/*'

clean-venv:
	rm -rf $(VENV)
