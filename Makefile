# Two commands for a newcomer: `make demo` and `make test`. Each sets up what is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
JARS   := .jars

.PHONY: setup demo lint test test-cluster package bench clean

setup: $(VENV)/.installed $(JARS)/.fetched

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

# Delta Lake JARs by coordinates, with the machine's Maven client, into a git-ignored folder.
$(JARS)/.fetched: conf/delta-jars.pom.xml
	@mkdir -p $(JARS)
	mvn --batch-mode --quiet -f conf/delta-jars.pom.xml dependency:copy-dependencies \
	    -DincludeGroupIds=io.delta -DoutputDirectory=$(abspath $(JARS))
	@ls $(JARS)/delta-spark_*.jar >/dev/null
	@touch $@

demo: setup
	$(BIN)/tollgate demo

# ruff (lint and format) and the import-linter contracts of pyproject.toml: no finding allowed.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -q --durations=15 --ignore=tests/test_cluster.py

# A Spark standalone master and worker on 127.0.0.1, the pipeline through spark-submit (minutes).
test-cluster: setup
	$(BIN)/pytest -q tests/test_cluster.py

# The jobs as one zip for `spark-submit --py-files` (README: "On a cluster").
DIST     ?= dist
PACKAGED := $(sort $(wildcard jobs/*.py jobs/*/*.py transforms/*.py expectations/*.py expectations/*.json))
package:
	@mkdir -p $(DIST)
	$(BIN)/python -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED); [z.write(p) for p in sys.argv[2:]]; z.close()' $(DIST)/tollgate-jobs.zip $(PACKAGED)

bench: setup
	bench/run

clean:
	rm -rf data bench/out spark-warehouse metastore_db derby.log
