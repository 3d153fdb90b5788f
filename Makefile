# Pixel Prompt: the two commands a newcomer needs are `make dev` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell for p in /root/.pyenv/versions/3.12.1/bin/python python3.12 python3; do \
            command -v $$p >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: dev test lint bench clean

$(STAMP): backend/requirements.txt backend/requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r backend/requirements-dev.txt
	@touch $(STAMP)

## Serve the API on http://127.0.0.1:8000 with local storage and built-in preview models.
dev: $(STAMP)
	cd backend && ../$(PY) local_server.py

## Every check: ruff (lint + format), cfn-lint on the SAM template, and the whole pytest suite.
test: $(STAMP)
	cd backend && ../$(VENV)/bin/ruff check . && ../$(VENV)/bin/ruff format --check .
	cd backend && ../$(VENV)/bin/cfn-lint template.yaml
	cd backend && ../$(PY) -m pytest

lint: $(STAMP)
	cd backend && ../$(VENV)/bin/ruff check . && ../$(VENV)/bin/ruff format --check .

## Speed and memory figures (not part of `make test`).
bench: $(STAMP)
	cd backend && for script in bench/bench_*.py; do ../$(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) .data backend/.pytest_cache backend/.ruff_cache
