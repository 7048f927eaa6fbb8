# The two commands: `make run` (serve on http://127.0.0.1:8000) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_PORT ?= 5439
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_VACANCIES ?= 3000
DEMO_PLACEMENTS ?= 20000

# The project's own server unless the user brings a database (scripts/db.sh does the same).
export APP_DATABASE_URL ?= postgresql+asyncpg://jobmap:jobmap@127.0.0.1:$(PG_PORT)/jobmap
export JOBMAP_PG_PORT := $(PG_PORT)
DB_PROVIDED := $(filter environment,$(origin APP_DATABASE_URL))

.PHONY: run test lint format db db-stop replica migrate setup data demo clean help test-tools venv
# Each stage says when it starts and how long it took (scripts/stage.sh).
STAGE := scripts/stage.sh

help:
	@echo "make run      set up everything and serve on http://$(HOST):$(PORT)"
	@echo "make test     set up everything, lint (ruff, mypy --strict), run the tests"
	@echo "make db-stop  stop the project's PostgreSQL server"

$(BIN)/.installed: pyproject.toml constraints.txt
	@$(STAGE) "venv: .venv with the pinned packages (first run: a few minutes)" \
		$(MAKE) --no-print-directory venv
	@touch $@

# The venv's steps, run as one stage by the rule above.
venv:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
		|| { echo "Python 3.11 is required (set PYTHON=python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'

db:
	@APP_DATABASE_URL=$(if $(DB_PROVIDED),$(APP_DATABASE_URL),) \
		$(STAGE) "database server (apt packages when missing, cluster)" scripts/db.sh start jobmap

db-stop:
	@scripts/db.sh stop

# A streaming replica of the project's server on port 5440, for the replica tests.
replica: db
	@APP_DATABASE_URL=$(if $(DB_PROVIDED),$(APP_DATABASE_URL),) \
		$(STAGE) "read replica (pg_basebackup -R, streaming)" scripts/db.sh replica-start

migrate: $(BIN)/.installed db
	$(BIN)/jobmap db upgrade

# Migrations, areas and codes: the one set-up, which compose.yaml's migrate step runs too.
setup data: $(BIN)/.installed db
	@$(STAGE) "setup: migrations, areas, codes" $(BIN)/jobmap setup

# The same, plus a few thousand demo vacancies and placements (with plans), only into a
# database that has none (DEMO_VACANCIES=0 or DEMO_PLACEMENTS=0: none).
demo: $(BIN)/.installed db
	@$(STAGE) "setup: migrations, areas, codes, demo data" $(BIN)/jobmap setup \
		--demo-vacancies $(or $(DEMO_VACANCIES),0) --demo-placements $(or $(DEMO_PLACEMENTS),0)

run: demo
	$(BIN)/jobmap serve --host $(HOST) --port $(PORT)

lint: $(BIN)/.installed
	$(BIN)/ruff check app tests migrations bench
	$(BIN)/ruff format --check app tests migrations bench
	$(BIN)/mypy

format: $(BIN)/.installed
	$(BIN)/ruff format app tests migrations bench
	$(BIN)/ruff check --fix app tests migrations

# Programs the tests run besides PostgreSQL (ogrinfo, Chromium, osm2pgsql, osmium), installed when missing.
test-tools:
	@scripts/test-tools.sh

# Tests create (and drop) their own databases on the same server: jobmap_test*.
test: $(BIN)/.installed db replica test-tools lint
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
