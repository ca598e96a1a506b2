# Two commands for a newcomer: `make demo` and `make test`. Each sets up what is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
JARS   := .jars
WEB_ASSETS := .web-assets
SERVE_JAR := $(JARS)/serve/tollgate-serve.jar
CLASS_ARCHIVE := $(JARS)/driver-classes.jsa
AIRFLOW_VENV := .venv-airflow
SERVE_SRC := $(wildcard jobs/analysts/java/tollgate/serve/*.java)

.PHONY: setup demo lint test test-cluster test-airflow test-serve test-browser browser-deps package bench clean

setup: $(VENV)/.installed $(JARS)/.fetched $(SERVE_JAR) $(WEB_ASSETS)/urls.json $(CLASS_ARCHIVE)

# uv installs the pinned packages with parallel downloads: 52 s where pip took 130 s on a clean
# machine (2026-12-03, same versions installed). Certificates from the system store, as pip's.
UV := uv==0.13.9
UV_INSTALL = UV_NATIVE_TLS=1 $(1)/bin/uv pip install --quiet --python $(1)/bin/python

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet $(UV)
	$(call UV_INSTALL,$(VENV)) -e '.[dev]'
	@touch $@

# Delta Lake JARs by coordinates, with the machine's Maven client, into a git-ignored folder.
$(JARS)/.fetched: conf/delta-jars.pom.xml
	@mkdir -p $(JARS)
	mvn --batch-mode --quiet -f conf/delta-jars.pom.xml dependency:copy-dependencies \
	    -DincludeGroupIds=io.delta -DoutputDirectory=$(abspath $(JARS))
	@ls $(JARS)/delta-spark_*.jar >/dev/null
	@touch $@

# The driver JVM's class-data archive (jobs/lake/class_archive.py; spark-defaults.conf names it):
# one short Spark session records the classes of Spark and Delta, every later one maps them.
# Built again when the packages or the JARs change; Java ignores a stale or missing one.
$(CLASS_ARCHIVE): $(VENV)/.installed $(JARS)/.fetched jobs/lake/class_archive.py
	$(BIN)/python -m jobs.lake.class_archive $@

# The browser libraries of the gate's Data Docs (conf/web-assets.json: versions and tarball
# hashes), fetched with the machine's npm into a git-ignored folder; each site gets a copy, so
# no page loads anything from a CDN (expectations/docs.py). urls.json is written last.
$(WEB_ASSETS)/urls.json: conf/web-assets.json expectations/web_assets.py $(VENV)/.installed
	$(BIN)/python -m expectations.web_assets $(WEB_ASSETS)

# `tollgate serve`'s gold-only SQL guard and password-file login (jobs/analysts/java), compiled
# with the machine's javac against PySpark's own jars into a git-ignored subfolder of .jars/.
$(SERVE_JAR): $(SERVE_SRC) $(VENV)/.installed
	@rm -rf $(JARS)/serve/classes && mkdir -p $(JARS)/serve/classes
	javac -nowarn -Xlint:-path -d $(JARS)/serve/classes \
	    -cp "$$($(BIN)/python -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')/jars/*" $(SERVE_SRC)
	jar --create --file $@ -C $(JARS)/serve/classes .

demo: setup
	$(BIN)/tollgate demo

# ruff (lint and format) and the import-linter contracts of pyproject.toml: no finding allowed.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# `make test INTEGRATION=1` (what .ci/run runs) adds the integration tests of test-cluster,
# test-airflow, test-serve and test-browser to the same pytest session: one Spark session and one
# planted lake for all (the cluster test compares with the session's lake), not one per target.
ifdef INTEGRATION
PYTEST_SELECTION :=
TEST_NEEDS := $(AIRFLOW_VENV)/.installed browser-deps
else
PYTEST_SELECTION := --ignore=tests/test_cluster.py -m 'not airflow and not serve and not browser'
TEST_NEEDS :=
endif

test: lint $(TEST_NEEDS)
	$(BIN)/pytest -q --durations=15 $(PYTEST_SELECTION)
	@# The benchmark runs what `tollgate run` runs: a small run keeps it from breaking silently.
	bench/run --legs 20000 --accounts 2000 --days 2 --quick --out bench/out/smoke

# `tollgate serve` started for real (the Spark Thrift Server on 127.0.0.1) and logged into with
# beeline: gold answers, bronze and silver refused, a wrong password refused (a few minutes).
test-serve: setup
	$(BIN)/pytest -q -m serve tests/test_serve.py

# The run report and the gate's Data Docs opened in a real headless Chromium with the network off
# (no Spark; under a minute). Debian's chromium is installed first where it is missing (CI: root).
test-browser: setup browser-deps
	$(BIN)/pytest -q -m browser tests/test_offline_pages.py

browser-deps:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# A Spark standalone master and worker on 127.0.0.1, the pipeline through spark-submit (minutes).
test-cluster: setup
	$(BIN)/pytest -q tests/test_cluster.py

# The daily DAG (docs/airflow) in a real Apache Airflow, installed apart from the project's packages
# in .venv-airflow (every package pinned in conf/airflow-requirements.txt): `airflow dags test`
# runs its tasks on a small landing folder under a temporary folder (minutes).
$(AIRFLOW_VENV)/.installed: conf/airflow-requirements.txt
	@test -x $(AIRFLOW_VENV)/bin/python || $(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/pip install --quiet $(UV)
	$(call UV_INSTALL,$(AIRFLOW_VENV)) -r conf/airflow-requirements.txt
	@touch $@

test-airflow: setup $(AIRFLOW_VENV)/.installed
	TOLLGATE_AIRFLOW=$(abspath $(AIRFLOW_VENV))/bin/airflow $(BIN)/pytest -q -m airflow tests/test_airflow.py

# The jobs as one zip for `spark-submit --py-files` (README: "On a cluster").
DIST     ?= dist
PACKAGED := $(sort $(wildcard jobs/*.py jobs/*/*.py jobs/*/templates/*.html transforms/*.py expectations/*.py \
                               expectations/*.json expectations/templates/*.html))
package:
	@mkdir -p $(DIST)
	$(BIN)/python -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED); [z.write(p) for p in sys.argv[2:]]; z.close()' $(DIST)/tollgate-jobs.zip $(PACKAGED)

bench: setup
	bench/run

clean:
	rm -rf data bench/out spark-warehouse metastore_db derby.log
