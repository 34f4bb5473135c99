# The two commands of the README:
#   make run    install everything, migrate the SQLite database, load the demo, serve on :8000
#   make test   the whole test suite: lint, then SQLite, then PostgreSQL + Redis with a real worker,
#               then Schemathesis against the live app
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-sqlite test-postgres test-schemathesis lint install worker clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Open http://$(HOST):$(PORT)/ and sign in as demo / mlincidents-demo (API docs: /api/docs/)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	scripts/run-tests all

test-sqlite: install
	scripts/run-tests sqlite

test-postgres: install
	scripts/run-tests postgres

test-schemathesis: install
	scripts/run-tests schemathesis

lint: install
	$(BIN)/ruff check .
	PYTHONPATH=. $(BIN)/lint-imports --no-cache

# A worker for a local setup with Redis (REDIS_URL=redis://127.0.0.1:6379/0 make worker).
worker: install
	$(BIN)/celery -A mlincidents worker -l INFO

clean:
	rm -rf $(VENV) .pytest_cache
