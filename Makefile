# Avatar Scholar — set-up, run and test. Every target is safe to re-run.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup chromium run test test-fast lint bench

setup: $(STAMP) chromium

# torch==2.13.0 first and explicitly: that version is the local CPU build; letting a
# dependency resolve torch on its own would download GBs of CUDA wheels.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# Headless Chromium (+ CJK fonts) drives the browser end-to-end test of the UI. Outside CI a
# failed install (no root, no apt) only warns: the app itself does not need a browser.
chromium:
	@if ! (command -v chromium && command -v chromedriver && fc-list | grep -qi "noto sans cjk") >/dev/null 2>&1; then \
	  echo "installing Debian chromium, chromium-driver and CJK fonts for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium chromium-driver fonts-noto-cjk >/dev/null) \
	  || { echo "warning: could not install chromium; the browser test will be skipped"; [ -z "$$CI" ]; }; \
	fi

run: setup
	$(BIN)/avatar-scholar run

# Everything: lint, types, and both test tiers (what CI runs).
test: setup
	$(BIN)/ruff check indexer search ui tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

# The fast tier while editing: unit tests on synthetic data, no model, no corpus (seconds).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

lint:
	$(BIN)/ruff check indexer search ui tests benchmarks
	$(BIN)/mypy

# Each benchmark prints a markdown table with the machine's details (see BENCHMARKS.md).
bench: setup
	$(BIN)/python benchmarks/retrieval/run.py
	$(BIN)/python benchmarks/retrieval/zh_bench.py
	$(BIN)/python benchmarks/throughput.py
	$(BIN)/python benchmarks/reindex.py
	$(BIN)/python benchmarks/fulltext.py
	$(BIN)/python benchmarks/ask_bench.py --data-dir benchmarks/results/corpus_index
	$(BIN)/python benchmarks/answers/run.py --split all
	$(BIN)/python benchmarks/answers/run.py --split late
	$(BIN)/python benchmarks/api_latency.py --data-dir benchmarks/results/corpus_index
	$(BIN)/python benchmarks/scale.py
	$(BIN)/python benchmarks/soak.py
	$(BIN)/python benchmarks/themes.py --data-dir benchmarks/results/corpus_index
