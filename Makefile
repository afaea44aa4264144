# The two commands of the README: `make demo` and `make test`.
# Both create .venv/ with the system python3 and install kg into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint bench train clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/kg build examples -o output
	@echo
	@echo "Open output/graph.html in a browser (it works offline)."
	@echo "Try: $(BIN)/kg query -f queries/policies-by-issuer.rq"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check kg tests bench
	$(BIN)/mypy

test: $(VENV)/.installed-test lint
	bash tools/ensure-chromium.sh
	$(BIN)/python -m pytest

# Rebuild the bundled learned weights from the gold documents (fixed seed; about a minute).
GOLD ?= ../shared/eval/train ../shared/eval/dev
train: $(VENV)/.installed
	$(BIN)/kg train $(GOLD) -o build/kg-model
	cp build/kg-model/kg_learned/learned.json kg/models/learned.json

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) output/store output/graph.* output/build.json
