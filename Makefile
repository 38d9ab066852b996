# Two commands set up everything on a fresh machine:
#   make plan STACK=dev   the offline plan of a stack (no cloud account needed)
#   make test             lint, type check and the whole test suite
# Both create the virtualenv (.venv) and install the requirements when needed.

VENV ?= .venv
PYTHON := $(VENV)/bin/python
STACK ?= dev

.PHONY: test lint typecheck pytest plan up clean

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -r requirements-dev.txt
	touch $@

test: lint typecheck pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy

pytest: $(VENV)/.installed
	$(PYTHON) -m pytest

# With the Pulumi CLI and AWS credentials: the real thing.
up: $(VENV)/.installed
	pulumi up --stack $(STACK)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
