# One-command entry points.  Every target sets up .venv itself (from a bare machine).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
CONFIG ?= configs/default.yaml
CAMEL_TOOLS := camel-tools==1.6.0

.PHONY: run test lint format bench bench-scale reanalyse history clean setup ngram notebook

setup: $(STAMP)

# camel-tools is installed with --no-deps: its declared requirements include torch
# and transformers (gigabytes) that the modules we use never import.  Its light
# requirements are pinned in requirements.lock together with everything else.
$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.lock
	$(PIP) install --quiet --disable-pip-version-check --no-deps $(CAMEL_TOOLS)
	$(PIP) install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m pipeline run --config $(CONFIG)

reanalyse: $(STAMP)
	$(PY) -m pipeline reanalyse --config $(CONFIG)

history: $(STAMP)
	$(PY) -m pipeline history --config $(CONFIG)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: lint
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) bench/bench_text.py

bench-scale: $(STAMP)
	$(PY) bench/bench_scale.py

clean:
	rm -rf outputs .pytest_cache .ruff_cache

# The reading-order bigram table and the glyph context table (counts only) from ../shared/data:
# pipeline/stages/repair/data/ngram_ar.tsv.gz, glyph_context_ar.tsv.gz
ngram: $(STAMP)
	$(PY) bench/build_ngram.py

# JupyterLab is not in requirements.lock (it is large): installed into .venv on first use.
JUPYTERLAB_VERSION := 4.6.6
notebook: $(STAMP)
	test -x $(VENV)/bin/jupyter-lab || $(PIP) install jupyterlab==$(JUPYTERLAB_VERSION)
	$(VENV)/bin/jupyter-lab notebooks/explore.ipynb
