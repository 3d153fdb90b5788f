# Pixel Prompt: the two commands a newcomer needs are `make dev` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell for p in /root/.pyenv/versions/3.12.1/bin/python python3.12 python3; do \
            command -v $$p >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The web client: dependencies once per package-lock.json, a build whenever a source changes.
WEB := frontend
WEB_DEPS := $(WEB)/node_modules/.installed
WEB_BUILD := $(WEB)/dist/index.html
WEB_SOURCES := $(shell find $(WEB)/src $(WEB)/public -type f -not -name '*.test.*' 2>/dev/null) \
               $(WEB)/index.html $(WEB)/vite.config.ts $(WEB)/tsconfig.json $(WEB)/package.json

# The browser tests drive Debian's Chromium (npm cannot download browsers here); CHROMIUM_PATH
# points them at another Chromium instead.
CHROMIUM := $(or $(CHROMIUM_PATH),/usr/bin/chromium)

.PHONY: dev test lint bench clean deploy-check

$(STAMP): backend/requirements.txt backend/requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r backend/requirements-dev.txt
	@touch $(STAMP)

$(WEB_DEPS): $(WEB)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "Node.js 20.19+ and npm are needed for the web client"; exit 1; }
	cd $(WEB) && npm ci --no-audit --no-fund
	@touch $(WEB_DEPS)

$(WEB_BUILD): $(WEB_DEPS) $(WEB_SOURCES)
	cd $(WEB) && npm run build

# Installed once, when missing: apt-get as root, through sudo otherwise.
$(CHROMIUM):
	@echo "$@ is missing: installing Debian's chromium package for the browser tests"
	@if [ "$$(id -u)" -eq 0 ]; then sudo=""; \
	 elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	 else echo "Cannot install Chromium: not root and sudo is not available. Run" \
	   "'apt-get install chromium' as root, or set CHROMIUM_PATH to a Chromium binary." >&2; exit 1; fi; \
	 command -v apt-get >/dev/null 2>&1 || { echo "Cannot install Chromium: apt-get not found" \
	   "(not Debian or Ubuntu). Install Chromium and set CHROMIUM_PATH to its binary." >&2; exit 1; }; \
	 { $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	   $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } || \
	 { echo "Installing Chromium failed (see above). Install it yourself" \
	   "('apt-get install chromium' as root) or set CHROMIUM_PATH to a Chromium binary." >&2; exit 1; }
	@test -x $@ || { echo "The chromium package is installed but $@ is missing;" \
	   "set CHROMIUM_PATH to the Chromium binary." >&2; exit 1; }

## Serve the web client and the API on http://127.0.0.1:8000 with local storage and built-in
## preview models. Without Node.js the API still starts.
dev: $(STAMP)
	@if command -v npm >/dev/null 2>&1; then \
	   $(MAKE) --no-print-directory $(WEB_BUILD) || echo "The web client did not build; serving the API only."; \
	 else \
	   echo "npm not found: install Node.js 20.19+ for the web client; serving the API only."; \
	 fi
	cd backend && ../$(PY) local_server.py

## Every check: ruff (lint + format), mypy, the import-layer contract, cfn-lint on the SAM
## template, the whole pytest suite, the deployment rehearsal (deploy-check, a few minutes),
## then the web client's typecheck, unit tests and end-to-end tests in Chromium. Installs what
## it needs on a fresh machine: the virtualenvs, the web client's packages and Chromium.
test: $(STAMP) $(WEB_BUILD) $(CHROMIUM)
	cd backend && ../$(VENV)/bin/ruff check . && ../$(VENV)/bin/ruff format --check .
	cd backend && ../$(VENV)/bin/mypy
	cd backend && PYTHONPATH=src:. ../$(VENV)/bin/lint-imports
	cd backend && ../$(VENV)/bin/cfn-lint template.yaml
	cd backend && ../$(PY) -m pytest
	$(MAKE) --no-print-directory deploy-check
	cd $(WEB) && npm run --silent typecheck
	cd $(WEB) && npm test
	cd $(WEB) && CHROMIUM_PATH=$(CHROMIUM) npm run test:e2e

## Deployment rehearsal: validate, build and deploy backend/template.yaml to MiniStack (a local
## AWS emulator on 127.0.0.1), then run the README's curl session against the deployed stack
## and tear it down (see "Deployment rehearsal" in backend/DEPLOYMENT.md). The SAM CLI and
## MiniStack get virtualenvs of their own under .venv-deploy/ (their pinned botocores conflict).
DEPLOY_VENV := .venv-deploy
SAM_STAMP := $(DEPLOY_VENV)/sam/.installed
EMULATOR_STAMP := $(DEPLOY_VENV)/emulator/.installed

$(SAM_STAMP): backend/deploy_check/requirements-sam.txt
	@test -x $(DEPLOY_VENV)/sam/bin/python || $(PYTHON) -m venv $(DEPLOY_VENV)/sam
	$(DEPLOY_VENV)/sam/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	@touch $@

$(EMULATOR_STAMP): backend/deploy_check/requirements-emulator.txt
	@test -x $(DEPLOY_VENV)/emulator/bin/python || $(PYTHON) -m venv $(DEPLOY_VENV)/emulator
	$(DEPLOY_VENV)/emulator/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	@touch $@

deploy-check: $(STAMP) $(SAM_STAMP) $(EMULATOR_STAMP)
	cd backend && ../$(PY) -m deploy_check --sam ../$(DEPLOY_VENV)/sam/bin/sam \
	  --emulator ../$(DEPLOY_VENV)/emulator/bin/ministack

lint: $(STAMP)
	cd backend && ../$(VENV)/bin/ruff check . && ../$(VENV)/bin/ruff format --check .

## What users pay for, measured: prints a table, writes backend/bench/results.json (a few
## minutes, no network; see backend/bench/README.md). `make test` runs a tiny version of it.
bench: $(STAMP)
	cd backend && ../$(PY) -m bench.run

clean:
	rm -rf $(VENV) $(DEPLOY_VENV) .data backend/.pytest_cache backend/.ruff_cache
	rm -rf $(WEB)/node_modules $(WEB)/dist $(WEB)/e2e/artifacts
