# Both targets create or refresh .venv from the project's own files, so a fresh clone needs only python3.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo test lint bench bench-rest bench-xapi wheel-check clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m renkei.harness.demo

lint: $(STAMP)
	$(BIN)/ruff check harness mocks reports profiles fixtures tests benchmarks .ci/wheel-check

test: lint
	$(BIN)/python -m pytest -q -n 2 --durations=10 tests

# Builds the wheel, installs it into a fresh venv outside the checkout and runs renkei from there (~1 min).
wheel-check:
	$(PY) .ci/wheel-check

bench: $(STAMP)
	$(BIN)/python benchmarks/csv_validate.py

# The first run generates and loads a 1.1M-user roster (about 50 minutes on two cores); later runs reuse it.
bench-rest: $(STAMP)
	$(BIN)/python benchmarks/rest_provider.py

# A million statements through xapi-statements-japan vs json.loads, and the mock LRS vs plain SQLite inserts
# (a few minutes on two cores; needs about 1.3 GB of temporary disk).
bench-xapi: $(STAMP)
	$(BIN)/python benchmarks/xapi.py

clean:
	rm -rf $(VENV) renkei-out build dist renkei.egg-info
