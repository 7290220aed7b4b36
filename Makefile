# The two commands of the README's quick start: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test install schema lint

run: install ## install, then serve the embedded default (SQLite, in-process workers, demo data)
	$(BIN)/kembar serve

test: install ## install, then lint and run the whole suite on SQLite and on PostgreSQL
	bash tests/run.sh

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Kembar needs Python 3.11+"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

schema: install ## rewrite schema/schema.graphql from the code (review the diff)
	$(BIN)/kembar export-schema

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
