# Chợ Phiên — the two commands are `make run` and `make test`.
PORT ?= 5000
WORKERS ?= 2
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app wsgi
MO := marketplace/translations/vi/LC_MESSAGES/messages.mo
PO := marketplace/translations/vi/LC_MESSAGES/messages.po

.PHONY: install run serve test lint format translations migrate demo e2e bench bench-load bench-search

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

$(MO): $(PO) $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d marketplace/translations -D messages >/dev/null

install: $(STAMP) $(MO)  ## the virtual environment with the project and its tools

migrate: install  ## create or upgrade the database schema
	$(FLASK) db upgrade

demo: migrate  ## load the demo market into an empty database
	$(FLASK) demo load --if-empty
	$(FLASK) search sync

run: demo  ## install, migrate, load the demo market and serve on 127.0.0.1:$(PORT)
	@echo ""
	@echo "  Chợ Phiên is starting at http://127.0.0.1:$(PORT)/"
	@echo ""
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

serve: migrate  ## production-like: gunicorn with $(WORKERS) workers
	$(BIN)/gunicorn --workers $(WORKERS) --bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app

lint: install  ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint  ## the whole suite on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest --ignore=tests/e2e
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== the suite again on $${TEST_DATABASE_URL%%@*}@… =="; \
		$(BIN)/python -m pytest --ignore=tests/e2e; \
	fi

# The browser journeys drive Debian's chromium (never a downloaded browser); axe-core comes
# from node_modules (npm ci from package-lock.json), never a CDN. Screenshots of this run only
# land in tests/artifacts/e2e/ (git-ignored); the target fails if none were taken.
E2E_SHOTS := tests/artifacts/e2e
AXE := node_modules/axe-core/axe.min.js

$(AXE): package-lock.json
	npm ci --no-audit --no-fund
	touch $@

e2e: install $(AXE)  ## real-browser journeys at phone and desktop sizes, with axe-core checks
	@test -x /usr/bin/chromium || { echo "make e2e needs /usr/bin/chromium: apt-get install chromium"; exit 1; }
	rm -rf $(E2E_SHOTS)
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest tests/e2e
	@n=$$(find $(E2E_SHOTS) -name '*.png' 2>/dev/null | wc -l); \
		if [ "$$n" -eq 0 ]; then echo "no screenshots in $(E2E_SHOTS)/"; exit 1; fi; \
		echo "$$n screenshots in $(E2E_SHOTS)/"

bench: bench-load bench-search  ## every benchmark (record the figures in docs/PERFORMANCE.md)

bench-load: install  ## gunicorn + PostgreSQL, demo market + 100,000 products, 60 s of mixed traffic
	$(BIN)/python bench/load.py

bench-search: install  ## import 10,000 and 100,000 products, then time the search query mix
	$(BIN)/python -m bench.search

.PHONY: bench-trace
bench: bench-trace
bench-trace: install  ## provenance page vs a bare Flask hello (same gunicorn), 304s, 1,000 labels
	$(BIN)/python bench/trace.py

translations: install  ## extract strings and update the catalogs (then translate the new ones)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs '.* node_modules tests instance' \
		--no-location --sort-output --project=cho-phien -o marketplace/translations/messages.pot .
	$(BIN)/pybabel update -i marketplace/translations/messages.pot -d marketplace/translations --no-fuzzy-matching
