# `make serve` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test index rebuild browser bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Incremental: builds the index if missing, otherwise only picks up changed reports.
# Files that cannot be read are listed, and the rest is served all the same.
index: $(STAMP)
	$(PY) -m indexer build || echo "note: some corpus files were refused (see above)"

rebuild: $(STAMP)
	$(PY) -m indexer build --rebuild

# The site answers to the loopback names and HOST; set SEARCH_TRUSTED_HOSTS (comma-separated)
# and SEARCH_PUBLIC_URL for the names it is reached by elsewhere. The watcher indexes what
# arrives in corpus/; gunicorn takes the shell's place (exec), and the watcher, asked to
# stop with the process that started it, stops with gunicorn, however gunicorn stops.
serve: index
	$(PY) -m indexer watch --exit-with-parent & \
	SEARCH_TRUSTED_HOSTS="$${SEARCH_TRUSTED_HOSTS:-127.0.0.1,localhost,::1,$(HOST)}" \
	SEARCH_PUBLIC_URL="$${SEARCH_PUBLIC_URL:-http://$(HOST):$(PORT)}" \
	exec $(VENV)/bin/gunicorn --preload --workers 2 --threads 8 --bind $(HOST):$(PORT) wsgi:app

# Browser tests drive Debian's Chromium (with CJK fonts, for readable screenshots) and scan
# pages with axe-core from the npm registry; install them when we may and they are missing.
browser:
	@if { [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/opentype/noto ]; } \
		&& [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi
	@if [ ! -f node_modules/axe-core/axe.min.js ] && command -v npm >/dev/null; then \
		npm install --no-save --no-audit --no-fund --silent axe-core@4; \
	fi

# Lint, format and types are part of the tests; the suite runs on every core.
test: $(STAMP) browser
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest -n auto

bench: $(STAMP)
	$(PY) benchmarks/index.py
	$(PY) benchmarks/search.py
	$(PY) benchmarks/scale.py
	$(PY) benchmarks/compare.py
	$(PY) benchmarks/links.py

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis test-artifacts node_modules
