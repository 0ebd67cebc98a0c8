# One entry point for people and CI. `make test` is what .ci/run calls.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR := .local/demo
DEMO_ARGS ?= --events 3000 --bad-rate 0.1 --duplicate-rate 0.05 --seed 42 --source-mix pos=60,clickstream=20,iot=10,app_log=5,cdc=5
# Node tools pinned in package.json/package-lock.json: the CDK CLI, the Node.js it runs on
# (Node 24 LTS from the `node` package, where npm has a binary for the platform) and the IAM
# policy evaluator the access tests use. Their bin directory comes first, so `npx cdk`, the CDK
# library's jsii runtime (`node` on PATH) and the tests all run on the pinned Node.
NODE_STAMP := node_modules/.package-lock.json
MIN_NODE_MAJOR := 22
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: setup browser node-tools node-version test test-snowflake lint format mutation demo demo-run dashboards synth clean

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
	$(BIN)/mypy lambdas stacks local pos

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Installs the pinned Node tools from the lock file when npm is available. Without Node the IAM
# access tests skip with that reason, except under CI (CI=true), where they fail.
node-tools:
	@if command -v npm >/dev/null 2>&1; then \
		[ $(NODE_STAMP) -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: install Node.js $(MIN_NODE_MAJOR)+ to run the CDK CLI and the IAM access tests"; fi

# The CDK CLI supports the Node.js LTS lines (22 and 24); Node 20 is end-of-life.
node-version: node-tools
	@major=$$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0); \
	[ "$$major" -ge $(MIN_NODE_MAJOR) ] || { \
		echo "The CDK CLI needs Node.js $(MIN_NODE_MAJOR) or 24 (LTS); found $$(node --version 2>/dev/null || echo none)."; \
		echo "npm ci installs the pinned Node 24 where npm has a binary for this platform; otherwise install Node $(MIN_NODE_MAJOR)+."; \
		exit 1; }

test: lint browser node-tools
	$(BIN)/pytest

# The Snowflake scenario, atomicity and grants tests against a real account, in throwaway objects
# the run creates and drops. Needs POS_TEST_SNOWFLAKE_ACCOUNT, POS_TEST_SNOWFLAKE_USER (holding
# ACCOUNTADMIN) and POS_TEST_SNOWFLAKE_PRIVATE_KEY_FILE; skipped, saying so, without them.
test-snowflake: $(STAMP)
	POS_TEST_BACKEND=snowflake $(BIN)/pytest tests/snowflake/test_scenarios.py \
		tests/snowflake/test_atomicity_and_invariants.py tests/access/test_grants.py -rs

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
	$(BIN)/pos local run $(DEMO_ARGS) --workdir $(DEMO_DIR) --fresh --report-json $(DEMO_DIR)/report.json

dashboards: $(STAMP)
	$(BIN)/pos local dashboards --workdir $(DEMO_DIR)

# The CDK CLI is pinned in package.json; synthesizing needs no AWS account, only the settings
# (docs/deploy.md section 4), e.g. make synth CDK_ARGS="-c snowflake_account_url=... -c ...".
synth: $(STAMP) node-version
	npx cdk synth --quiet $(CDK_ARGS)

clean:
	rm -rf $(VENV) node_modules cdk.out .pytest_cache .mypy_cache .ruff_cache .local .mutation
