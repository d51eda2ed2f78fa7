# Gigafactory Access Portal: the front door. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Start embedded PostgreSQL/Redis under ./var unless DATABASE_URL / REDIS_URL are set (they keep running for the
# next command; `make stop` stops them). It also exports DEVSERVICES_STARTED, the services this start launched,
# which `make run` stops again when it ends.
SERVICES := eval "$$($(PY) scripts/devservices.py start)"

.PHONY: help install run serve load test test-fast test-browser lint fmt bench check-deploy migrations requirements stop clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || { $(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null \
		|| { echo "Python 3.12 is required (found: $(PYTHON)); install it or run make PYTHON=/path/to/python3.12" >&2; exit 1; }; \
		$(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is required for the front-end assets" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed node_modules/.installed ## Create .venv and install Python and npm dependencies

# scripts/run.py replaces the shell (exec): signals reach it directly; it stops the services it was told it started.
run: install ## Serve web + Celery worker + beat on http://127.0.0.1:8000 with demo data; Ctrl-C stops all
	@$(SERVICES) && DEBUG=$${DEBUG:-1} exec $(PY) scripts/run.py

# Production-like on this machine: DEBUG off, gunicorn (2 workers per core), worker and beat, plain HTTP on
# 127.0.0.1 (secure cookies, HSTS and the HTTPS redirect off, emails to the worker's log). No demo data is seeded.
serve: install ## gunicorn + Celery worker + beat with DEBUG=0 on http://127.0.0.1:8000 (production-like)
	@$(SERVICES) && DEBUG=0 PORTAL_TESTING=0 WEB_SERVER=gunicorn SECRET_KEY="$${SECRET_KEY:-$$(head -c 48 /dev/urandom | base64)}" \
		ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}" SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 \
		SECURE_HSTS_SECONDS=0 SITE_URL="$${SITE_URL:-http://127.0.0.1:8000}" EMAIL_URL="$${EMAIL_URL:-consolemail://}" \
		exec $(PY) scripts/run.py

# Never part of `make test`: a scratch PostgreSQL and Redis under var/load, several minutes of load with faults.
load: install ## Cut-off rush load test with locust and scripted faults; LOAD_ARGS="--users 300" (docs/benchmarks.md)
	PORTAL_TESTING=0 $(PY) scripts/load/run_load.py $(LOAD_ARGS)

test: install ## The whole suite (unit, Celery worker, Playwright browser tests), then lint
	@$(SERVICES) && PORTAL_TESTING=1 $(BIN)/pytest $(PYTEST_ARGS) && $(MAKE) --no-print-directory lint

test-fast: install ## The suite without browser tests
	@$(SERVICES) && PORTAL_TESTING=1 $(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

test-browser: install ## Only the Playwright browser tests
	@$(SERVICES) && PORTAL_TESTING=1 $(BIN)/pytest -m browser $(PYTEST_ARGS)

lint: install ## ruff (incl. complexity), formatting, module size, import contracts, migrations and deploy checks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) scripts/check_module_size.py
	$(BIN)/lint-imports --no-cache
	@$(SERVICES) && PORTAL_TESTING=1 $(PY) manage.py makemigrations --check --dry-run
	@$(MAKE) --no-print-directory check-deploy

check-deploy: install ## `manage.py check --deploy` with production-like settings
	@$(SERVICES) && DEBUG=0 PORTAL_TESTING=0 SECRET_KEY="$$(head -c 48 /dev/urandom | base64)" \
		ALLOWED_HOSTS=portal.example.eu $(PY) manage.py check --deploy --fail-level WARNING

fmt: install ## Format and auto-fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install ## Benchmarks on a scratch database; BENCH_ARGS=--markdown appends them to docs/benchmarks.md
	@$(SERVICES) && PORTAL_TESTING=1 $(PY) scripts/bench.py $(BENCH_ARGS)

migrations: install ## Make migrations after a model change
	@$(SERVICES) && PORTAL_TESTING=1 $(PY) manage.py makemigrations

requirements: ## Re-pin requirements.txt from requirements.in in a clean virtualenv
	rm -rf /tmp/gap-reqs && $(PYTHON) -m venv /tmp/gap-reqs && /tmp/gap-reqs/bin/pip install --quiet -r requirements.in
	{ echo "# Generated from requirements.in with 'make requirements'; keep every line pinned."; \
	  /tmp/gap-reqs/bin/pip freeze --exclude pip --exclude setuptools; } > requirements.txt

stop: ## Stop the embedded PostgreSQL and Redis under ./var
	@test -x $(PY) && $(PY) scripts/devservices.py stop || true

clean: stop ## Remove the virtualenv, node_modules, collected static and ./var (demo data)
	rm -rf $(VENV) node_modules staticfiles var
