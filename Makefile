# The two commands of the README: `make demo` and `make test`. Each sets everything up first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test synth lint-asl bench clean

$(STAMP): requirements.lock pyproject.toml package-lock.json
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check pip==25.3
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(STAMP)

demo: setup
	$(BIN)/saleslens demo --out out

test: setup
	$(BIN)/python -m pytest -n 2 -q

synth: setup
	JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 npx cdk synth --quiet

clean:
	rm -rf $(VENV) node_modules cdk.out out build
