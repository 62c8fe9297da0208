# Two commands set everything up on a fresh machine that has Python >= 3.11 and make:
#   make lab    opens the guided notebooks in JupyterLab
#   make test   runs lint and the whole test suite, notebooks included
# Both create .venv when it is missing and install the pinned environment
# (requirements/lock.txt) once: the stamp is named after a hash of the lock file and
# pyproject.toml, so a second run installs nothing unless one of them changed.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LOCK := requirements/lock.txt
PIP_VERSION := 26.3
UV_VERSION := 0.13.9
KEY := $(shell cat $(LOCK) pyproject.toml 2>/dev/null | $(PYTHON) -c "import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:16])" 2>/dev/null)

.DEFAULT_GOAL := help
.PHONY: help lab test lint format doctor bench peers lock clean

help: ## List the targets.
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

lab: $(VENV)/.installed-lab-$(KEY) ## Open JupyterLab at notebooks/00_start_here.ipynb.
	$(BIN)/mlkit lab

test: $(VENV)/.installed-test-$(KEY) ## Lint, then run every test, notebooks included.
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test-$(KEY) ## Lint only.
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test-$(KEY) ## Fix what the linter can fix, and format the code.
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

doctor: $(VENV)/.installed-lab-$(KEY) ## Check versions, kernel and case data, as on a workshop laptop.
	$(BIN)/mlkit doctor

bench: $(VENV)/.installed-test-$(KEY) peers ## Run the benchmarks, peers first (results: benchmarks/RESULTS.md).
	PYTHONPATH=. .venv-peers/bin/python benchmarks/peers/label_model_snorkel.py
	PYTHONPATH=. .venv-peers/bin/python benchmarks/peers/calibration_netcal.py
	PYTHONPATH=. .venv-evidently/bin/python benchmarks/peers/drift_evidently.py
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_training_data.py
	$(BIN)/python benchmarks/bench_label_model.py
	$(BIN)/python benchmarks/bench_slices.py
	$(BIN)/python benchmarks/bench_calibration.py
	$(BIN)/python benchmarks/bench_features.py
	$(BIN)/python benchmarks/bench_fairness.py
	$(BIN)/python benchmarks/bench_drift.py
	$(BIN)/python benchmarks/bench_widgets.py
	$(BIN)/python benchmarks/bench_engines.py

peers: ## Build the benchmark peers' environments once (.venv-peers, .venv-evidently).
	PYTHON=$(PYTHON) bash benchmarks/peers/setup.sh

lock: $(BIN)/python ## Re-resolve requirements/lock.txt from pyproject.toml (newest versions).
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip compile pyproject.toml --extra lab --extra test --universal \
		--python-version 3.11 --upgrade --custom-compile-command "make lock" \
		--output-file $(LOCK)

clean: ## Remove the environment and caches (runs/ stays).
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist

$(BIN)/python:
	@$(PYTHON) -c "import sys; sys.exit(sys.version_info < (3, 11))" 2>/dev/null || { \
		echo "mlkit needs Python >= 3.11, and '$(PYTHON)' is missing or older."; \
		echo "Install Python 3.11 or newer, then run: make $(MAKECMDGOALS) PYTHON=python3.11"; \
		exit 1; }
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "Could not create $(VENV). On Debian or Ubuntu: sudo apt-get install python3-venv"; \
		exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade "pip==$(PIP_VERSION)"

$(VENV)/.installed-lab-$(KEY): | $(BIN)/python
	@echo "Installing the pinned environment from $(LOCK) (a few minutes the first time)..."
	$(BIN)/python -m pip install --quiet --constraint $(LOCK) --build-constraint $(LOCK) --editable ".[lab]"
	$(BIN)/python -m ipykernel install --user --name mlkit --display-name "Python 3 (mlkit)"
	@rm -f $(VENV)/.installed-*
	@touch $@

$(VENV)/.installed-test-$(KEY): | $(BIN)/python
	@echo "Installing the pinned environment and test tools from $(LOCK) (a few minutes the first time)..."
	$(BIN)/python -m pip install --quiet --constraint $(LOCK) --build-constraint $(LOCK) --editable ".[lab,test]"
	$(BIN)/python -m ipykernel install --user --name mlkit --display-name "Python 3 (mlkit)"
	@rm -f $(VENV)/.installed-*
	@touch $@ $(VENV)/.installed-lab-$(KEY)
