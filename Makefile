# stageterm — set-up, demo and tests from nothing on a fresh Linux machine.
#   make demo   set everything up, then open the demo site in the terminal UI
#   make test   set everything up, then run lint, types, import contracts and the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-core
PYTEST_ARGS ?=

.PHONY: demo test lint typecheck contracts pytest system-deps system-deps-demo screenshots bench clean

# System packages: libzbar (barcode images) for everything; PostgreSQL, tmux, OpenSSH,
# sqlite3, systemd (systemd-analyze verifies the service units) and Chromium (the browser
# board, driven by Playwright) for the tests; rsvg-convert and a monospace font for the screenshots.
system-deps-demo:
	@scripts/system-deps.sh venv zbar

system-deps:
	@scripts/system-deps.sh venv zbar postgres tmux sshd sqlite3 systemd chromium

# The demo needs the core only (SQLite); the tests add their tools and the `postgres`
# extra (psycopg), since they run every store test on PostgreSQL too.
$(DEMO_STAMP): pyproject.toml | system-deps-demo
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	@touch $(DEMO_STAMP)

$(STAMP): pyproject.toml | system-deps-demo
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,postgres]'
	@touch $(STAMP) $(DEMO_STAMP)

demo: system-deps-demo $(DEMO_STAMP)
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

screenshots: $(STAMP)
	@scripts/system-deps.sh zbar render
	$(BIN)/python scripts/screenshots.py screenshots
	BIN=$(BIN) scripts/report-plot-screenshot.sh screenshots

# The SPEC §10 budgets at full size, one after the other (an hour or more; quiet machine).
BENCHMARKS = scan_commit tui_startup tui_scan_feedback tui_pty_feedback tui_lanes_board \
	cli_move sync_drain import_lock report pull serve_first_paint
bench: $(STAMP)
	@set -e; for b in $(BENCHMARKS); do echo "== benchmarks/$$b.py"; $(BIN)/python benchmarks/$$b.py; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
