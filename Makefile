# Laurel: `make run` starts everything locally, `make test` runs the whole suite.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-12)
# pip chatters about this machine's optional local indexes; keep real errors visible
PIP_QUIET := 2> >(grep -v -e 'is neither a file nor a directory' -e '^$$' >&2 || true)

.PHONY: install run test test-unit test-integration bench clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt $(PIP_QUIET)
	@rm -f $(VENV)/.installed-*
	@touch $@

run: install
	@$(PY) scripts/run_local.py

# pytest exits 5 when it collected nothing: that is a failure here, never a pass.
test: install
	@rc=0; $(PY) -m pytest -q -p no:cacheprovider tests || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: no tests were collected" >&2; exit 1; fi; exit $$rc

test-unit: install
	@$(PY) -m pytest -q tests/unit

test-integration: install
	@$(PY) -m pytest -q tests/integration

bench: install
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b; done

clean:
	rm -rf $(VENV) .pytest_cache .laurel-local.json
