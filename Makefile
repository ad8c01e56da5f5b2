# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB ?= demo.sqlite3

.PHONY: run test lint format demo-large bench i18n clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

# Opens the TUI on a demo database, created and filled on the first run (and upgraded to
# the program's schema on the later ones).
run: $(VENV)/.installed
	@if test -f $(DEMO_DB); then $(BIN)/recouvrement --db $(DEMO_DB) init > /dev/null; \
	else $(BIN)/recouvrement --db $(DEMO_DB) demo; fi
	$(BIN)/recouvrement --db $(DEMO_DB)

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy engine models tui
	# Bytecode cached (this sandbox sets PYTHONDONTWRITEBYTECODE): every test worker would
	# otherwise compile the project and rewrite the test modules' asserts again, ~4 s each.
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest

# The static checks alone (make test runs them too).
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy engine models tui

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Extract the messages and refresh the compiled catalogs after editing the .po files.
i18n: $(VENV)/.installed-dev
	$(BIN)/python -m engine.i18n_tools update

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/import_csv.py
	$(BIN)/python bench/tui.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
