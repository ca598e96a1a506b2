"""The one Spark session factory: local runs, tests and spark-submit share spark-defaults.conf."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from pyspark.logger import PySparkLogger
from pyspark.sql import SparkSession

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def project_path(*parts: str) -> Path:
    """A path inside the project folder (or $TOLLGATE_HOME when installed elsewhere)."""
    home = os.environ.get("TOLLGATE_HOME")
    return Path(home, *parts) if home else PROJECT_ROOT.joinpath(*parts)


def read_spark_defaults(path: Path) -> dict[str, str]:
    """Parse a spark-defaults.conf file: `key value` per line, `#` comments."""
    settings: dict[str, str] = {}
    for raw_line in path.read_text(encoding="utf-8").splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition(" ")
        settings[key] = value.strip()
    return settings


def delta_jars() -> list[Path]:
    """The Delta Lake JARs that `make setup` fetched into .jars/."""
    jars = sorted(project_path(".jars").glob("*.jar"))
    if not any(jar.name.startswith("delta-spark_") for jar in jars):
        raise RuntimeError("Delta Lake JARs not found in .jars/; run `make setup` first")
    return jars


# Options of spark-defaults.conf that name a file relative to the project folder (spark-submit
# is run from there); a local session gets them by absolute path, to run from any folder.
LOG4J_OPTION = "-Dlog4j2.configurationFile="
ARCHIVE_OPTION = "-XX:SharedArchiveFile="  # the class-data archive (jobs/lake/class_archive.py)


def driver_java_options(defaults: dict[str, str]) -> str:
    """spark-defaults.conf's driver JVM options, the files they name by absolute path: the
    log4j2 file (always given) and the class-data archive (jobs/lake/class_archive.py)."""
    log4j = f"{LOG4J_OPTION}conf/log4j2.properties"
    options = defaults.get("spark.driver.extraJavaOptions", log4j).split()
    if not any(option.startswith(LOG4J_OPTION) for option in options):
        options.insert(0, log4j)
    return " ".join(_absolute(option) for option in options)


def _absolute(option: str) -> str:
    for prefix in (LOG4J_OPTION, ARCHIVE_OPTION):
        path = Path(option.removeprefix(prefix))
        if option.startswith(prefix) and not path.is_absolute():
            return prefix + str(project_path(*path.parts))
    return option


def _launched_by_spark_submit() -> bool:
    # spark-submit starts the JVM first and hands PySpark its gateway port.
    return "PYSPARK_GATEWAY_PORT" in os.environ


def get_spark(app_name: str = "tollgate", extra_conf: dict[str, str] | None = None) -> SparkSession:
    """Return the active session, or start a local one configured from spark-defaults.conf.

    Under spark-submit the submitted configuration wins (pass SPARK_CONF_DIR to use the
    same file there); locally the Delta JARs are loaded from .jars/ and nothing is downloaded.
    """
    silence_query_context_logs()
    active = SparkSession.getActiveSession()
    if active is not None:
        return active  # one session per process; its settings were fixed when it started
    # pandas-on-Spark (used by pyspark.testing) wants this set before the JVM starts.
    os.environ.setdefault("PYARROW_IGNORE_TIMEZONE", "1")
    # Python workers must use this interpreter (the project's venv), not the system python3.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    if not _launched_by_spark_submit():
        settings = read_spark_defaults(project_path("spark-defaults.conf"))
        settings["spark.jars"] = ",".join(str(jar) for jar in delta_jars())
        settings["spark.driver.extraJavaOptions"] = driver_java_options(settings)
        settings.update(extra_conf or {})
        for key, value in settings.items():
            builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def silence_query_context_logs() -> None:
    """Turn off the loggers PySpark writes every captured error to (JSON on stderr, with the
    JVM's message and stack). An analysis error's message holds the query plan, and
    Tollgate's plans hold the HMAC key pads (hence the key) and can hold values as literals.
    The error is still raised; the command line reports its type only."""
    for name in ("DataFrameQueryContextLogger", "SQLQueryContextLogger"):
        PySparkLogger.getLogger(name).disabled = True


@contextlib.contextmanager
def session_setting(spark: SparkSession, key: str, value: str) -> Iterator[None]:
    """Set one runtime SQL setting for the calls inside the block, then restore it."""
    before = spark.conf.get(key, None)
    spark.conf.set(key, value)
    try:
        yield
    finally:
        if before is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, before)


def jvm_time_zone_ids(spark: SparkSession) -> set[str]:
    """The time-zone ids Spark's JVM knows, in one gateway call (iterating the JVM's set would
    make one per id: 0.31 s against 0.05 s for its ~600 ids)."""
    jvm = spark.sparkContext._jvm
    return set(jvm.java.lang.String.join(",", jvm.java.time.ZoneId.getAvailableZoneIds()).split(","))
