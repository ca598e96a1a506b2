"""One Spark session for the whole run, and the few inputs that several test modules share;
every table goes under tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jobs.lake.session import get_spark
from jobs.synthetic.landing import generate_landing
from tests.demo_run import run_demo
from tests.generated_landing import SMALL
from tests.pipeline_run import build_pipeline
from tests.suite_spark import INTERPRETED, process_submit_args, session_submit_args
from tests.telephony_lines import parse_asterisk_fixtures, parse_freeswitch_fixtures

# Each `tollgate` a test runs as a process inherits the suite's Spark settings (tests/suite_spark.py).
os.environ.setdefault("PYSPARK_SUBMIT_ARGS", process_submit_args())


@pytest.fixture(scope="session")
def spark():
    # One shuffle partition, one partition of Delta's table state: the test tables are tiny.
    # No adaptive query execution: re-planning each query after its shuffles costs more than it
    # saves on tables this small (test_erasure + test_incremental, two runs each: 196.5/195.4 ->
    # 179.6/178.0 s). Same rows either way; `tollgate` and the bench keep Spark's default.
    # The session's JVM runs the whole suite: both JIT tiers, not the processes' first tier only.
    with pytest.MonkeyPatch.context() as patch:
        if os.environ.get("PYSPARK_SUBMIT_ARGS") == process_submit_args():  # not one set by hand
            patch.setenv("PYSPARK_SUBMIT_ARGS", session_submit_args())
        session = get_spark(
            "tollgate-tests",
            {
                "spark.sql.shuffle.partitions": "1",
                "spark.databricks.delta.snapshotPartitions": "1",
                "spark.sql.adaptive.enabled": "false",
                **INTERPRETED,
            },
        )
    yield session
    session.stop()


@pytest.fixture()
def hmac_key(monkeypatch) -> bytes:
    key = "test-key-not-secret-0123456789abcdef"
    monkeypatch.setenv("TOLLGATE_HMAC_KEY", key)
    return key.encode()


# Shared by more than one test module, so built once for the session rather than once per module.
@pytest.fixture(scope="session")
def asterisk(spark) -> dict[str, dict[int, object]]:
    """Every Asterisk fixture file parsed at once (in New York time): {file: {line: row}}."""
    return parse_asterisk_fixtures(spark)


@pytest.fixture(scope="session")
def freeswitch(spark) -> dict[str, dict[int, object]]:
    """Every FreeSWITCH fixture file but the day-first one parsed at once (in New York time)."""
    return parse_freeswitch_fixtures(spark)


@pytest.fixture(scope="session")
def generated_landing(tmp_path_factory) -> tuple[Path, dict]:
    """A small landing folder from `tollgate generate` and its summary (tests/generated_landing.py)."""
    out = tmp_path_factory.mktemp("landing")
    return out, generate_landing(out, **SMALL)


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory, spark):
    """The planted landing (tests/planted_landing.py) run with the shipped configuration, then
    re-run (publishing northwind-research's compared datasets only, tests/pipeline_run.py):
    (root, gold rows after the first run, its releases, its log messages). Built once per
    session and shared by every module that compares against one plain run, and by
    test_killed_jobs.py, which kills stages on copies of its lake."""
    return build_pipeline(tmp_path_factory.mktemp("pipeline"), spark)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory, spark):
    """One small `tollgate -v demo` (tests/demo_run.py): (root, exit code, all it printed and
    logged). test_demo_logs.py reads its output, test_notebook.py its lake and run report."""
    return run_demo(tmp_path_factory.mktemp("demo"))
