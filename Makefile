# The two commands of the README: `make demo` and `make test`. Each sets everything up first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The Glue job's runtime: Python 3.9 (pyenv's, or PY39=/path/to/python3.9) with exactly
# glue_jobs/requirements-glue.lock, the libraries Glue installs before each run.
PY39 ?= $(lastword $(sort $(wildcard $(HOME)/.pyenv/versions/3.9.*/bin/python)))
GLUE_VENV := .venv-glue39
GLUE_STAMP := $(GLUE_VENV)/.installed
# Wheels Glue's Amazon Linux 2 (glibc 2.26, x86_64, CPython 3.9) can install: pip takes no newer.
GLUE_PLATFORM := --python-version 3.9 --implementation cp --abi cp39 \
	$(foreach n,26 25 24 23 22 21 20 19 18 17 12 5,--platform manylinux_2_$(n)_x86_64) \
	--platform manylinux2014_x86_64 --platform manylinux2010_x86_64 --platform manylinux1_x86_64
GLUE_LOCKS := -r glue_jobs/requirements-glue.lock -r glue_jobs/requirements-forecast.lock -r glue_jobs/requirements-scoring.lock
# The score-opportunity layer's wheels, for its runtime (python3.12, Amazon Linux 2023: glibc 2.34,
# x86_64, CPython 3.12): pip takes no wheel built for a newer glibc. packaging.scoring_layer_bundle
# unpacks them into the layer's python/.
SCORING_LOCK := infra/requirements-scoring-layer.lock
SCORING_WHEELS := build/scoring-layer-wheels
SCORING_STAMP := $(SCORING_WHEELS)/.downloaded
SCORING_PLATFORM := --python-version 3.12 --implementation cp --abi cp312 \
	$(foreach n,34 33 32 31 30 29 28 27 26 25 24 23 22 21 20 19 18 17 12 5,--platform manylinux_2_$(n)_x86_64) \
	--platform manylinux2014_x86_64 --platform manylinux2010_x86_64 --platform manylinux1_x86_64
GLUE_TESTS := tests/glue39 tests/unit/test_validation.py tests/unit/test_validation_property.py tests/unit/test_contracts.py

.PHONY: setup demo test lint glue39 synth lint-asl bench clean

$(STAMP): requirements.lock pyproject.toml package-lock.json
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check pip==25.3
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(SCORING_STAMP): $(SCORING_LOCK) | $(STAMP)
	rm -rf $(SCORING_WHEELS)
	$(BIN)/python -m pip download --quiet --disable-pip-version-check --only-binary=:all: --no-deps \
		$(SCORING_PLATFORM) -d $(SCORING_WHEELS) -r $(SCORING_LOCK)
	touch $@

setup: $(STAMP) $(SCORING_STAMP)

demo: setup
	$(BIN)/saleslens demo --out out

# The linters first (make lint: seconds, and they fail early), the whole suite, then the Glue
# job's tests on its own runtime (make glue39). --dist loadscope keeps a module's tests on one
# worker: an end-to-end module's fixture (a whole offline run, up to minutes) is built once, not
# once on each worker its tests were dealt to.
test: setup
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest -n 2 --dist loadscope -q --durations=25
	$(MAKE) --no-print-directory glue39

# ruff on all Python, mypy on the library, sqlfluff (Athena dialect) on the views; settings in pyproject.toml.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/sqlfluff lint athena_sql --processes 2

$(GLUE_STAMP): glue_jobs/requirements-glue.lock glue_jobs/requirements-forecast.lock glue_jobs/requirements-scoring.lock tests/glue39/requirements.lock
	@test -n "$(PY39)" || { echo "no Python 3.9: install it with pyenv (pyenv install 3.9) or set PY39"; exit 1; }
	$(PY39) -c 'import sys; assert sys.version_info[:2] == (3, 9), sys.version'
	rm -rf $(GLUE_VENV)
	$(PY39) -m venv $(GLUE_VENV)
	$(GLUE_VENV)/bin/python -m pip download --quiet --disable-pip-version-check --only-binary=:all: --no-deps \
		$(GLUE_PLATFORM) -d $(GLUE_VENV)/glue-wheels $(GLUE_LOCKS)
	$(GLUE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-index \
		--find-links $(GLUE_VENV)/glue-wheels $(GLUE_LOCKS)
	$(GLUE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
		-r tests/glue39/requirements.lock
	touch $@

# The Glue jobs' import chains, the contract-check tests and a forecast, on the jobs' runtime.
glue39: $(GLUE_STAMP)
	MAIN_PYTHON=$(CURDIR)/$(BIN)/python $(GLUE_VENV)/bin/python -m pytest -q -p no:cacheprovider $(GLUE_TESTS)

synth: setup
	JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 npx cdk synth --quiet

clean:
	rm -rf $(VENV) $(GLUE_VENV) node_modules cdk.out out build
