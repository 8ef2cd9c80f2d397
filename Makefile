# `make` sets everything up and builds the default brochure into dist/; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: all build test lint clean

all: build

$(BIN)/brochure: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

build: $(BIN)/brochure
	$(BIN)/brochure build content/xianan-2022.yaml

test: $(BIN)/brochure
	$(BIN)/python -m pytest -q
	$(BIN)/ruff check builder tests tools bench
	$(BIN)/mypy
	$(BIN)/lint-imports

lint: $(BIN)/brochure
	$(BIN)/ruff check builder tests tools bench
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) dist/*.pdf
