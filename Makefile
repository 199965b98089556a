# Fatong: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FATONG := $(BIN)/fatong
PYTEST := $(BIN)/pytest
DEMO_PASSWORD ?= Fatong@2026
CHROMIUM := /usr/bin/chromium
PG_SERVER_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
VENDOR := core/static/vendor
PO_FILES := $(shell find core plugins tenants -name '*.po' -path '*zh_CN*' 2>/dev/null)
MO_FILES := $(PO_FILES:.po=.mo)
# The external example plugin, installed like a vendor's package (not editable).
HOTLINE := examples/fatong-hotline
HOTLINE_PO := $(shell find $(HOTLINE) -name '*.po' -path '*zh_CN*' 2>/dev/null)
HOTLINE_MO := $(HOTLINE_PO:.po=.mo)
HOTLINE_SOURCES := $(shell find $(HOTLINE)/fatong_hotline $(HOTLINE)/pyproject.toml -type f \
  -not -name '*.mo' -not -path '*__pycache__*' 2>/dev/null)

.PHONY: run test lint bench bench-pages install assets translations messages chromium clean

run: install assets translations
	$(FATONG) db upgrade
	$(FATONG) demo --password '$(DEMO_PASSWORD)'
	@echo "Open http://127.0.0.1:5000/t/demo/ and log in as admin / $(DEMO_PASSWORD)"
	$(FATONG) serve

install: $(VENV)/.installed $(VENV)/.hotline

$(VENV)/.installed: setup.cfg pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# `pip install ./examples/fatong-hotline`, as a deployment installs a vendor's plugin; its
# catalog is compiled first so that the .mo ships in the package.
$(VENV)/.hotline: $(VENV)/.installed $(HOTLINE_MO) $(HOTLINE_SOURCES)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation ./$(HOTLINE)
	rm -rf $(HOTLINE)/build $(HOTLINE)/*.egg-info
	touch $@

assets: $(VENDOR)/.installed

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bootstrap $(VENDOR)/htmx $(VENDOR)/bootstrap-icons $(VENDOR)/echarts
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js $(VENDOR)/bootstrap/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts $(VENDOR)/bootstrap-icons/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts/
	touch $@

translations: install $(MO_FILES) $(HOTLINE_MO)

# (Re)extract the English msgids and merge them into the zh_CN catalogs; then translate the new
# (empty) entries. Core: core/, tenants/ and templates/; each bundled plugin (plugins/<name>/
# with a plugin.py) gets its own catalog from its own folder. Missing catalogs are created.
BABEL_EXTRACT := $(BIN)/pybabel -q extract -F babel.cfg -k _l --no-location --sort-output \
  --project=Fatong --copyright-holder=Fatong --msgid-bugs-address=
BABEL_UPDATE := $(BIN)/pybabel -q update -l zh_CN --init-missing --no-fuzzy-matching --ignore-obsolete
messages: install
	mkdir -p core/translations
	$(BABEL_EXTRACT) -o core/translations/messages.pot core tenants templates
	$(BABEL_UPDATE) -i core/translations/messages.pot -d core/translations
	@for plugin in plugins/*/plugin.py $(HOTLINE)/fatong_hotline/plugin.py; do \
	  dir=$$(dirname "$$plugin"); mkdir -p "$$dir/translations"; \
	  $(BABEL_EXTRACT) -o "$$dir/translations/messages.pot" "$$dir" || exit 1; \
	  $(BABEL_UPDATE) -i "$$dir/translations/messages.pot" -d "$$dir/translations" || exit 1; \
	done

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel -q compile -i $< -o $@

# Debian's Chromium for the browser tests; `playwright install` cannot download here.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "!! could not install chromium"; \
	  else echo "!! chromium is missing and cannot be installed here (need root and apt-get)"; fi; \
	fi

# HTTP benchmark on PostgreSQL (issue #8 point 4, benchmarks/http/): the app under gunicorn on
# loopback and a bare Flask + SQLAlchemy app replaying the same SQL (the ceiling), both loaded
# by wrk (Debian's, installed when missing), at BENCH_SIZES tenants: databases
# fatong_bench_<N> on PG_SERVER_URL, reused while they hold N tenants, else rebuilt with
# `fatong seed-scale`. Prints the tables and writes docs/benchmarks.md (with
# benchmarks/analysis.md). BENCH_SECONDS (8) per page after a warm-up; exit 1 on a missed target.
BENCH_SIZES ?= 10 3000
BENCH_PASSWORD ?= $(DEMO_PASSWORD)
bench: install assets translations $(VENV)/.bench
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
	      || { echo "!! could not install wrk"; exit 1; }; \
	  else echo "!! wrk is missing and cannot be installed here (need root and apt-get)"; exit 1; fi; \
	fi
	PG_SERVER_URL='$(PG_SERVER_URL)' BENCH_PASSWORD='$(BENCH_PASSWORD)' \
	  $(BIN)/python -m benchmarks.http run --sizes $(BENCH_SIZES)

# gunicorn, pinned in setup.cfg's `bench` extra.
$(VENV)/.bench: $(VENV)/.installed setup.cfg
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@

# The in-process page benchmarks (speed and memory, not timed tests): a county with
# BENCH_CASES mediation cases. FATONG_BENCH_DATABASE_URL=postgresql+psycopg://… runs them on a
# scratch PostgreSQL database.
bench-pages: install assets translations
	$(BIN)/python -m benchmarks.mediation
	$(BIN)/python -m benchmarks.legal_aid

lint: install
	$(BIN)/ruff check .

# The example plugin's own suite, run against the installed package as a vendor's CI would.
HOTLINE_TESTS = echo "== examples/fatong-hotline ==" && $(PYTEST) -p no:cacheprovider -q $(HOTLINE)/tests

# Under CI=true nothing may be skipped: PostgreSQL and Chromium are required.
# The SQLite suite (with the browser tests) and the PostgreSQL one run side by side, one per
# core: each is a single CPU-bound process, so together they take about as long as the longer.
test: install assets translations chromium
	$(BIN)/ruff check .
	@if $(BIN)/python -m core.testing.pgcheck "$(PG_SERVER_URL)"; then \
	  log=$$(mktemp); \
	  echo "== the suite on SQLite, and alongside it on PostgreSQL (its output follows) =="; \
	  (export FATONG_TEST_POSTGRES_URL='$(PG_SERVER_URL)'; \
	   $(PYTEST) -p no:cacheprovider -q -m 'not browser' && $(HOTLINE_TESTS) -m 'not browser' \
	  ) >"$$log" 2>&1 & pg=$$!; \
	  $(PYTEST) -p no:cacheprovider -q && $(HOTLINE_TESTS); sqlite=$$?; \
	  wait $$pg; postgres=$$?; \
	  echo "== the suite on PostgreSQL =="; cat "$$log"; rm -f "$$log"; \
	  echo "== SQLite exit $$sqlite, PostgreSQL exit $$postgres =="; \
	  [ $$sqlite -eq 0 ] && [ $$postgres -eq 0 ]; \
	elif [ "$$CI" = true ]; then \
	  echo "!! CI: PostgreSQL is required at $(PG_SERVER_URL) and is not reachable"; exit 1; \
	else \
	  $(PYTEST) -p no:cacheprovider -q && $(HOTLINE_TESTS) || exit $$?; \
	  echo; echo "!!!!!! PostgreSQL not reachable at $(PG_SERVER_URL): the PostgreSQL run was SKIPPED !!!!!!"; echo; \
	fi

clean:
	rm -rf $(VENV) node_modules $(VENDOR) instance
	find . -name '*.mo' -delete
