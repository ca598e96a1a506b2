"""The driver's JVM is started with the options of spark-defaults.conf: the log4j2 file by
absolute path (the file names it relative to the project folder) and the parallel collector."""

from __future__ import annotations

from jobs.lake.session import driver_java_options, project_path, read_spark_defaults

LOG4J = f"-Dlog4j2.configurationFile={project_path('conf', 'log4j2.properties')}"


def test_the_suite_driver_runs_with_the_jvm_options_of_spark_defaults(spark):
    management = spark.sparkContext._jvm.java.lang.management.ManagementFactory
    arguments = list(management.getRuntimeMXBean().getInputArguments())
    assert LOG4J in arguments and "-XX:+UseParallelGC" in arguments
    assert "-Dlog4j2.configurationFile=conf/log4j2.properties" not in arguments
    assert {bean.getName() for bean in management.getGarbageCollectorMXBeans()} == {"PS Scavenge", "PS MarkSweep"}


def test_the_log4j2_path_is_made_absolute_and_other_options_are_kept():
    shipped = read_spark_defaults(project_path("spark-defaults.conf"))
    assert driver_java_options(shipped) == f"{LOG4J} -XX:+UseParallelGC"
    assert driver_java_options({}) == LOG4J
    assert driver_java_options({"spark.driver.extraJavaOptions": "-Xss4m"}) == f"{LOG4J} -Xss4m"
