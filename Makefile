# Two entry points for a fresh clone with only python3 and make:
#   make demo   set up .venv and analyze the example model
#   make test   set up .venv (with test extras) and run the test suite and the rule-pack tests
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
EXAMPLE ?= examples/webshop/threat_model.md

.PHONY: demo test setup bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(BIN)/tmlogic analyze $(EXAMPLE)

test: setup
	$(BIN)/tmlogic rules lint
	$(BIN)/tmlogic rules test
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info
