# Two entry points for a fresh clone with only python3 and make:
#   make demo   set up .venv and analyze the example model
#   make test   set up .venv (with test extras) and run the test suite and the rule-pack tests
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
EXAMPLE ?= examples/webshop/threat_model.md

.PHONY: demo test setup system-deps bench bench-serve screenshot editor-bundle templates quality clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(BIN)/tmlogic analyze $(EXAMPLE)

# The browser tests of the HTML report need a Chromium; nothing downloads a browser of its own.
# Installs Debian's chromium when it is missing and we are root with apt-get; otherwise (or if the
# install fails) says so, and those tests fail saying what is missing.
system-deps:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian's chromium for the HTML report's browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    chromium fonts-liberation >/dev/null) \
	  || echo "could not install chromium: the browser tests will fail (pytest -m 'not browser' leaves them out)"; \
	else echo "chromium is missing and this is not root with apt-get: the browser tests will fail (pytest -m 'not browser' leaves them out)"; fi

test: setup system-deps
	$(BIN)/tmlogic rules lint
	$(BIN)/tmlogic rules test
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/run.py

# keystroke -> updated view of `tmlogic serve` in Chromium, on the SecOpsTM DMZ model
bench-serve: setup system-deps
	$(BIN)/python bench/serve_latency.py

# rewrite docs/images/editor.png from the browser test that takes it (tests write to a temp folder otherwise)
screenshot: setup system-deps
	TMLOGIC_UPDATE_SCREENSHOT=1 $(BIN)/python -m pytest -q tests/test_serve_browser.py -k cleartext

# rebuild tmlogic/serve/static/editor.bundle.js from frontend/ (needs Node.js and npm; maintainers only)
editor-bundle:
	frontend/build.sh

# rewrite tmlogic/outputs/compiled_templates/ from templates/ (after editing a template or upgrading
# jinja2; tests/test_compiled_templates.py fails until it is done)
templates: setup
	$(BIN)/python -m tmlogic.outputs.template_compiler

# Scores the rules against reviewer-labelled models (../shared/quality, or its copy in
# tests/data/quality, and the holdout models); see bench/quality.py.
quality: setup
	$(BIN)/python bench/quality.py --details --json bench/out/quality.json

clean:
	rm -rf $(VENV) build dist *.egg-info
