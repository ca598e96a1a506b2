# Two commands for a newcomer: `make demo` and `make test`. Each sets up what is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
JARS   := .jars

.PHONY: setup demo test bench clean

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

test: setup
	$(BIN)/pytest -q

bench: setup
	bench/run

clean:
	rm -rf data bench/out spark-warehouse metastore_db derby.log
