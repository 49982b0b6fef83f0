# Two commands do all the set-up on a fresh machine: `make dev` and `make test`.
# Everything they need is installed from the project's own files (pip, npm, Debian packages).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8443
export PORT

.PHONY: dev test bench install system-deps python-deps node-deps frontend clean

install: system-deps python-deps node-deps

# Chromium drives the end-to-end tests (Debian's build; Playwright never downloads a browser).
system-deps:
	@command -v chromium >/dev/null && command -v node >/dev/null || { \
	  echo "installing Debian packages: chromium nodejs npm"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium $$(command -v node >/dev/null || echo nodejs npm); }

python-deps: $(VENV)/.installed
$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

node-deps: frontend/node_modules/.installed
frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The production bundle (content-hashed files in frontend/dist), used by infra, the local stack and the tests.
frontend: node-deps
	cd frontend && npm run --silent build

# APP_DIR=<the station's app folder> serves it at the root (its storage tag swapped);
# HOSTED_UI_DOMAIN=<its hard-coded Cognito domain> points its sign-in at the local stack.
dev: install frontend
	DEVSTACK_STOP_WITH_PARENT=1 $(PY) -m devstack --port $(PORT) $(if $(APP_DIR),--app-dir "$(APP_DIR)") \
	  $(if $(HOSTED_UI_DOMAIN),--hosted-ui-domain "$(HOSTED_UI_DOMAIN)")

test: install frontend
	cd frontend && npm test --silent
	$(PY) -m pytest

# Every benchmark, one module after the other (bench/<name>.py runs as `python -m bench.<name>`;
# bench/lambda_events.py is the events they share, not a benchmark).
BENCHMARKS := $(filter-out __init__ lambda_events,$(basename $(notdir $(wildcard bench/*.py))))
bench: install frontend
	@set -e; for b in $(BENCHMARKS); do echo "== bench.$$b"; $(PY) -m bench.$$b; done

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist .devstack .pytest_cache
