# stageterm — set-up, demo and tests from nothing on a fresh Linux machine.
#   make demo   set everything up, then open the demo site in the terminal UI
#   make test   set everything up, then run lint, types, import contracts and the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
IS_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo yes)
PYTEST_ARGS ?=

.PHONY: demo test lint typecheck contracts pytest system-deps screenshots bench clean

# System libraries: libzbar (barcode images), PostgreSQL server (shared-site tests), tmux (e2e).
system-deps:
	@missing=""; \
	ldconfig -p 2>/dev/null | grep -q 'libzbar.so.0' || missing="$$missing libzbar0"; \
	command -v tmux >/dev/null || missing="$$missing tmux"; \
	command -v sqlite3 >/dev/null || missing="$$missing sqlite3"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || missing="$$missing postgresql"; \
	command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || missing="$$missing openssh-server"; \
	command -v ssh >/dev/null || missing="$$missing openssh-client"; \
	if [ -n "$$missing" ]; then \
	  if [ "$(IS_ROOT)" = yes ] && command -v apt-get >/dev/null; then \
	    echo "Installing system packages:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "stageterm needs system packages that are missing. Run:"; \
	    echo "  sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $(STAMP)

demo: system-deps $(STAMP)
	$(BIN)/stageterm demo

lint: $(STAMP)
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

pytest: system-deps $(STAMP)
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test: lint typecheck contracts pytest

screenshots: system-deps $(STAMP)
	@command -v rsvg-convert >/dev/null && fc-list | grep -qi 'fira' || { \
	  if [ "$(IS_ROOT)" = yes ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends librsvg2-bin fonts-firacode >/dev/null; \
	  else echo "Run: sudo apt-get install -y librsvg2-bin fonts-firacode"; exit 1; fi; }
	$(BIN)/python -m stageterm.tui.screenshots screenshots

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
