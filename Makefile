# Two commands set up everything on a fresh machine:
#   make run STACK=dev    the main job: pulumi up where the Pulumi CLI and AWS credentials are there,
#                         else the offline plan of the stack (nothing changed)
#   make test             lint, type check and the whole test suite
# Both create the virtualenv (.venv) and install what they need.

VENV ?= .venv
PYTHON := $(VENV)/bin/python
STACK ?= dev
FORMAT ?= markdown
comma := ,

.PHONY: venv run plan test lint typecheck pytest mutation e2e clean lock

# uv, itself a wheel from PyPI put into the virtualenv, installs in seconds what pip takes most of a minute
# for (docs/decisions.md); where uv cannot be installed, pip does the same job. Both compile the bytecode at
# install time: where PYTHONDONTWRITEBYTECODE is set, nothing would be compiled later, and every run would
# compile the SDKs it imports again.
INSTALL = if [ -x $(VENV)/bin/uv ]; then $(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PYTHON) $(1); \
	else $(PYTHON) -m pip install --quiet $(1); fi

# uv at one version (the lock files are made with it, `make lock`).
UV_VERSION := 0.13.9
# What is installed: the lock files where they are (every package pinned, each with its hashes, checked by the
# installer: --require-hashes), else the declared ranges. requirements.txt and pyproject.toml keep the ranges.
RUNTIME_REQUIREMENTS = $(if $(wildcard requirements.lock),--require-hashes -r requirements.lock,-r requirements.txt)
DEV_REQUIREMENTS = $(if $(wildcard requirements-dev.lock),--require-hashes -r requirements-dev.lock,-r requirements-dev.txt)

# Quiet, and on stderr: `make plan FORMAT=json` on a fresh clone prints nothing but the plan on stdout.
$(VENV)/.runtime: requirements.txt pyproject.toml $(wildcard requirements.lock)
	@echo "Setting up $(VENV) (once)" >&2
	@python3 -m venv $(VENV) >&2
	@$(PYTHON) -m pip install --quiet "uv==$(UV_VERSION)" >&2 || echo "uv could not be installed: pip installs instead" >&2
	@{ $(call INSTALL,$(RUNTIME_REQUIREMENTS)); } >&2
	@# the package itself, editable: `ack-irsa` and `python -m ack_irsa` work from any directory
	@{ $(call INSTALL,--no-deps --editable .); } >&2
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt $(wildcard requirements-dev.lock)
	$(call INSTALL,$(DEV_REQUIREMENTS))
	touch $@

venv: $(VENV)/.runtime

# `@`: make's own echo of the command would come before the plan on stdout, and break FORMAT=json.
run: $(VENV)/.runtime
	@$(PYTHON) -m ack_irsa up --stack $(STACK)

plan: $(VENV)/.runtime
	@$(PYTHON) -m ack_irsa render --stack $(STACK) --format $(FORMAT)

test: lint typecheck pytest

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.dev
	$(VENV)/bin/mypy

# On every core, a test file to a worker (a module's shared builds are made once); `-m "not slow"` while editing.
pytest: $(VENV)/.dev
	$(PYTHON) -m pytest -n auto --dist loadfile

# The whole job in a real, disposable AWS account (tests/e2e/, README "What is verified where"). Needs the
# Pulumi CLI, AWS credentials and ACK_IRSA_E2E_ACCOUNT=<their account ID>; else it says what is missing
# and exits 77 (skipped, never a pass).
e2e: $(VENV)/.dev
	$(PYTHON) scripts/e2e.py

# Mutation testing of the pure modules against their fast tests (about 25 minutes on 2 cores; not part of
# `make test`). Prints the score per module; docs/mutation.md lists the survivors judged equivalent.
mutation: $(VENV)/.dev
	# mutmut is installed here, not with the test requirements: `make test` and CI do not need it
	$(call INSTALL,"mutmut>=3.3$(comma)<4")
	rm -rf mutants
	$(VENV)/bin/mutmut run --max-children 2 > /dev/null || true
	$(PYTHON) scripts/mutation_score.py

# The lock files again from the declared ranges (PyPI needed): every package pinned with its hashes, for every
# platform and Python 3.11 up; the dev lock keeps the runtime lock's versions.
LOCK = $(VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes
lock: $(VENV)/.runtime
	$(LOCK) -o requirements.lock requirements.txt
	$(LOCK) -c requirements.lock -o requirements-dev.lock requirements-dev.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
