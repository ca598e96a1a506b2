"""The driver's JVM is started with the options of spark-defaults.conf: the log4j2 file by
absolute path (the file names it relative to the project folder), the parallel collector, and
the class-data archive of `make setup` (jobs/lake/class_archive.py), which it can map; and
PySpark does not send the JVM the call site of every DataFrame call."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pyspark.errors.utils import is_debugging_enabled

from jobs.lake.session import driver_java_options, project_path, read_spark_defaults

LOG4J = f"-Dlog4j2.configurationFile={project_path('conf', 'log4j2.properties')}"
ARCHIVE = project_path(".jars", "driver-classes.jsa")
QUIET_CDS = "-Xlog:cds=off -Xlog:cds+dynamic=off"


def test_the_suite_driver_runs_with_the_jvm_options_of_spark_defaults(spark):
    management = spark.sparkContext._jvm.java.lang.management.ManagementFactory
    arguments = list(management.getRuntimeMXBean().getInputArguments())
    assert LOG4J in arguments and "-XX:+UseParallelGC" in arguments
    assert f"-XX:SharedArchiveFile={ARCHIVE}" in arguments
    assert "-Dlog4j2.configurationFile=conf/log4j2.properties" not in arguments
    assert {bean.getName() for bean in management.getGarbageCollectorMXBeans()} == {"PS Scavenge", "PS MarkSweep"}


def test_pyspark_records_no_call_sites(spark):
    # spark-defaults.conf turns it off: six gateway round trips per DataFrame or Column call.
    assert spark.conf.get("spark.python.sql.dataFrameDebugging.enabled") == "false"
    assert not is_debugging_enabled()  # what PySpark's wrapper of every call asks


def test_the_class_archive_of_make_setup_maps_with_the_drivers_class_path(spark):
    """Java ignores an archive that does not match the class path (silently: -Xlog:cds=off),
    so this asks it plainly: with -Xshare:on a JVM that cannot map the archive does not start."""
    assert ARCHIVE.is_file(), "no class archive: `make setup` builds it"
    system = spark.sparkContext._jvm.java.lang.System
    java = Path(system.getProperty("java.home"), "bin", "java")
    command = [
        str(java),
        "-Xshare:on",
        f"-XX:SharedArchiveFile={ARCHIVE}",
        "-cp",
        system.getProperty("java.class.path"),
    ]
    mapped = subprocess.run([*command, "-version"], capture_output=True, text=True)
    assert mapped.returncode == 0, mapped.stdout + mapped.stderr
    # And a class path the archive was not built for is refused: the check above can fail.
    other = subprocess.run([*command[:-1], f"{ARCHIVE.parent}:{command[-1]}", "-version"], capture_output=True)
    assert other.returncode != 0


def test_project_files_are_named_by_absolute_path_and_other_options_are_kept():
    shipped = read_spark_defaults(project_path("spark-defaults.conf"))
    assert driver_java_options(shipped) == f"{LOG4J} -XX:+UseParallelGC -XX:SharedArchiveFile={ARCHIVE} {QUIET_CDS}"
    assert driver_java_options({}) == LOG4J
    assert driver_java_options({"spark.driver.extraJavaOptions": "-Xss4m"}) == f"{LOG4J} -Xss4m"
    elsewhere = {
        "spark.driver.extraJavaOptions": "-XX:SharedArchiveFile=/opt/cds.jsa -Dlog4j2.configurationFile=/l.xml"
    }
    assert driver_java_options(elsewhere) == "-XX:SharedArchiveFile=/opt/cds.jsa -Dlog4j2.configurationFile=/l.xml"
