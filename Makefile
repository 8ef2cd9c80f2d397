# `make` sets everything up and builds the default brochure into dist/; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: all build test test-newest-reportlab lint clean

all: build

$(BIN)/brochure: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

build: $(BIN)/brochure
	$(BIN)/brochure build content/xianan-2022.yaml

test: $(BIN)/brochure
	$(BIN)/python -m pytest -q -n auto
	$(BIN)/ruff check builder tests tools bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# The tests against the newest ReportLab release, ignoring the pin, in a throw-away venv outside
# the repository (tools/test_reportlab.py; give it another requirement to try another release).
test-newest-reportlab: $(BIN)/brochure
	$(BIN)/python tools/test_reportlab.py reportlab

lint: $(BIN)/brochure
	$(BIN)/ruff check builder tests tools bench
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) dist/*.pdf
