# QDM — the two commands a new user runs: `make demo` and `make test`.
# Targets are idempotent: stamps make a second run fast when nothing changed.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
QDM := $(BIN)/qdm
HOST ?= 127.0.0.1
PORT ?= 8000
export QDM_DEBUG ?= 1

.PHONY: demo test lint typecheck layers migrations-check translations-check pytest bench \
        install assets translations migrate serve clean postgres-test e2e help

help:
	@echo "make demo   - install, migrate, load demo data and serve QDM at http://$(HOST):$(PORT)"
	@echo "make test   - lint, type-check, layering, migrations, translations and the test suite"
	@echo "make bench  - speed benchmarks (print figures)"

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "QDM needs $(PYTHON) on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@

install: $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

src/qdm/static/vendor/.installed: node_modules/.installed scripts/vendor.mjs
	node scripts/vendor.mjs
	@touch $@

assets: src/qdm/static/vendor/.installed

translations: install
	$(QDM) translations compile

migrate: install assets translations
	$(QDM) migrate --noinput

demo: migrate
	$(QDM) demo
	@echo ""
	@echo "QDM is at http://$(HOST):$(PORT)/  (Ctrl-C stops the server, the task worker and the scheduler)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(QDM) db_worker >var/worker.log 2>&1 & \
	  $(QDM) schedule run >var/scheduler.log 2>&1 & \
	  $(QDM) runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy src/qdm

layers: install
	$(BIN)/lint-imports

migrations-check: install
	$(QDM) makemigrations --check --dry-run

translations-check: install
	$(QDM) translations check

pytest: install assets translations
	QDM_DEBUG=0 $(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck layers migrations-check translations-check pytest

# The same suite against PostgreSQL (QDM_DATABASE_URL=postgres://…).
postgres-test: install assets translations
	@case "$$QDM_DATABASE_URL" in postgres*) ;; *) echo "set QDM_DATABASE_URL=postgres://…"; exit 2;; esac
	QDM_DEBUG=0 $(BIN)/pytest $(PYTEST_ARGS)

# Regenerate docs/screenshots (needs Chromium; fonts-noto-cjk for the Chinese pages).
screenshots: install assets translations
	QDM_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(BIN)/pytest tests/e2e -k screenshots

bench: install
	@for script in bench/bench_*.py; do echo "== $$script"; PYTHONPATH=src $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) node_modules src/qdm/static/vendor var
