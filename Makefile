# Two commands for a new machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
DEMO_PRACTITIONERS ?= 5000
CHROMIUM := /usr/bin/chromium
# Test workers (pytest-xdist): one per CPU; each test file runs whole on one worker.
TEST_JOBS ?= auto

export FLASK_APP := wsgi.py

.PHONY: run test install db chromium clean

run: db
	@echo ""
	@echo "  Meridian is starting at http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	@echo ""
	$(BIN)/gunicorn -c gunicorn.conf.py --bind $(HOST):$(PORT) --workers $(WORKERS) --no-control-socket wsgi:app

test: install chromium
	$(BIN)/python -m pytest -n $(TEST_JOBS) --dist loadfile $(PYTEST_ARGS)

install: $(STAMP)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $@

db: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --practitioners $(DEMO_PRACTITIONERS) --seed 42 --if-empty

# Browser tests drive Debian's Chromium; install it when missing and we may.
chromium:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Browser tests need Chromium at $(CHROMIUM): sudo apt-get install chromium" >&2; exit 1; fi; }

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
