# One entry point for people and CI. `make test` is what .ci/run calls.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR := .local/demo
DEMO_ARGS ?= --events 3000 --bad-rate 0.1 --duplicate-rate 0.05 --seed 42

.PHONY: setup browser test lint format mutation demo demo-run dashboards synth clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[local,cdk,dev]"
	touch $(STAMP)

setup: $(STAMP)

# The dashboards' browser test drives Debian's Chromium. Installed when missing and we may
# (root with apt); otherwise that one test skips and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "chromium not installed: the browser test will be skipped"; fi; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy lambdas stacks local

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint browser
	$(BIN)/pytest

# Mutation testing (not part of make test; about an hour on two cores): mutmut over the Python
# cores, the SQL mutation harness over the procedures, and the property test's power figure.
# Scores and every survivor: docs/testing.md.
mutation: $(STAMP)
	$(BIN)/python -m mutation.python
	$(BIN)/python -m mutation.sql
	$(BIN)/python -m mutation.power

# Producer → Kinesis → Firehose → transform → Bronze → tasks → Silver/Gold, reconciled; then the
# dashboards on http://127.0.0.1:8501 over the same warehouse (Ctrl-C to stop).
demo: demo-run dashboards

demo-run: $(STAMP)
	$(BIN)/python -m local run $(DEMO_ARGS) --workdir $(DEMO_DIR) --fresh --report-json $(DEMO_DIR)/report.json

dashboards: $(STAMP)
	$(BIN)/python -m dashboards.local --db-dir $(DEMO_DIR)/warehouse

# The CDK CLI is pinned in package.json; synthesizing needs no AWS account, only the settings
# (docs/deploy.md section 4), e.g. make synth CDK_ARGS="-c snowflake_account_url=... -c ...".
synth: $(STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	npx cdk synth --quiet $(CDK_ARGS)

clean:
	rm -rf $(VENV) node_modules cdk.out .pytest_cache .mypy_cache .ruff_cache .local .mutation
