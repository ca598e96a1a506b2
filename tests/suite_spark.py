"""The Spark settings of every Spark the suite starts: its own session (tests/conftest.py), each
`tollgate` it runs as a process (which inherits PYSPARK_SUBMIT_ARGS), the Airflow DAG's stages
and the spark-submit of the cluster test.

Expressions are evaluated without generated code: on the suite's tiny tables, compiling a
query's generated Java costs more than running it (the two slowest modules: 234.9 -> 174.8 s).
The results are the same; `bench/run` (its small run is part of `make test`) keeps Spark's
default, generated code, as users run it.

The `tollgate` processes a test starts (a stage, a command, a killed run, the DAG's tasks, the
Thrift server) live seconds, not the session's quarter of an hour: their driver JVMs compile
with the JIT's first tier only (-XX:TieredStopAtLevel=1), which spends less CPU on compiling
code that would not run long enough to repay it. One Airflow stage on a small landing: 18.5 ->
13.8 s; a whole `tollgate run` on it (67 s): no change. The suite's own session keeps both tiers:
two of its modules took 155 -> 191 s with the first tier only (bench/RESULTS.md).
"""

from __future__ import annotations

import shlex

from jobs.lake.session import driver_java_options, project_path, read_spark_defaults

INTERPRETED = {"spark.sql.codegen.wholeStage": "false", "spark.sql.codegen.factoryMode": "NO_CODEGEN"}
FIRST_TIER_ONLY = "-XX:TieredStopAtLevel=1"


def conf_arguments() -> list[str]:
    """INTERPRETED as spark-submit arguments."""
    return [argument for key, value in INTERPRETED.items() for argument in ("--conf", f"{key}={value}")]


def session_submit_args() -> str:
    """PYSPARK_SUBMIT_ARGS for the suite's own, long-lived session."""
    return shlex.join([*conf_arguments(), "pyspark-shell"])


def process_submit_args() -> str:
    """PYSPARK_SUBMIT_ARGS for each short-lived `tollgate` process: the session's, and the driver
    options of spark-defaults.conf (they come after the session factory's, so they replace them)
    with the JIT's first tier only."""
    options = driver_java_options(read_spark_defaults(project_path("spark-defaults.conf")))
    driver = ["--conf", f"spark.driver.extraJavaOptions={options} {FIRST_TIER_ONLY}"]
    return shlex.join([*conf_arguments(), *driver, "pyspark-shell"])
