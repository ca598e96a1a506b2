"""`tollgate serve`: the gold tables for BI tools, over the HiveServer2 protocol that Tableau,
Power BI, DBeaver, Superset and beeline speak, from the Spark Thrift Server inside PySpark.

Gold only, read-only, with a login:
- one Spark session, shared by every client (`singleSession`), holds one temporary view per
  gold Delta table and nothing else; the Hive metastore and warehouse are empty, in a
  temporary folder that goes when the server stops;
- every statement is checked as it is parsed (tollgate.serve.GoldOnlyParser, a Spark SQL
  extension in jobs/analysts/java): only queries over those views, and USE / SHOW / DESCRIBE;
  no path (delta.`/lake/bronze/...`), other table, command, setting, TRANSFORM or reflect().
  It sits in the parser because a client can change session settings when it connects, so
  `spark.sql.runSQLOnFiles=false` alone would not hold;
- a login is a user of the password file (jobs/analysts/passwords.py), checked by
  tollgate.serve.PasswordFileAuthenticator (HiveServer2 CUSTOM authentication);
- it listens on 127.0.0.1 unless told otherwise. HiveServer2's PLAIN login sends the password
  unencrypted: off this machine, put it behind TLS or an SSH tunnel.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import tempfile
import threading
from pathlib import Path

from pyspark.sql import SparkSession

from jobs.analysts.gold_sql import gold_tables
from jobs.errors import ConfigError
from jobs.lake.gold import register_gold
from jobs.lake.layout import Lake
from jobs.lake.session import delta_jars, driver_java_options, get_spark, project_path, read_spark_defaults

SERVE_JAR = project_path(".jars", "serve", "tollgate-serve.jar")
GUARD_EXTENSION = "tollgate.serve.GoldOnlyExtension"
GUARD_PARSER = "tollgate.serve.GoldOnlyParser"
AUTHENTICATOR = "tollgate.serve.PasswordFileAuthenticator"
VIEWS_PROPERTY = "tollgate.serve.views"
PASSWORD_FILE_PROPERTY = "tollgate.serve.passwordFile"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
# HiveServer2 lets these environment variables override the configured address, port and transport.
_ADDRESS_ENV = (
    "HIVE_SERVER2_THRIFT_BIND_HOST",
    "HIVE_SERVER2_THRIFT_PORT",
    "HIVE_SERVER2_THRIFT_HTTP_PORT",
    "HIVE_SERVER2_TRANSPORT_MODE",
)
log = logging.getLogger("tollgate.serve")


def hive_settings(host: str, port: int) -> dict[str, str]:
    """HiveServer2's settings: where it listens and who gets in."""
    return {
        "hive.server2.thrift.bind.host": host,
        "hive.server2.thrift.port": str(port),
        "hive.server2.transport.mode": "binary",
        "hive.server2.authentication": "CUSTOM",
        "hive.server2.custom.authentication.class": AUTHENTICATOR,
        # Queries run as the server's own user; there is no Hadoop user to impersonate.
        "hive.server2.enable.doAs": "false",
        # Per-query log files would keep query text on disk.
        "hive.server2.logging.operation.enabled": "false",
    }


def spark_settings(host: str, port: int, scratch: Path) -> dict[str, str]:
    """The session's settings on top of spark-defaults.conf (Delta stays; the guard is added)."""
    defaults = read_spark_defaults(project_path("spark-defaults.conf"))
    # Listed after Delta's, the guard wraps Delta's parser too (VACUUM, OPTIMIZE, ...).
    extensions = [name for name in defaults.get("spark.sql.extensions", "").split(",") if name]
    return {
        "spark.sql.extensions": ",".join([*extensions, GUARD_EXTENSION]),
        # On the JVM's own class path, so Spark and HiveServer2 find both classes by name; Delta's
        # too: HiveServer2 opens each client session on its own threads, whose class loader does
        # not see the jars of spark.jars (DeltaCatalog was not found at session open).
        "spark.driver.extraClassPath": ":".join([str(SERVE_JAR), *(str(jar) for jar in delta_jars())]),
        # get_spark's logging setting, and Derby's log kept out of the working folder.
        "spark.driver.extraJavaOptions": (
            f"{driver_java_options(defaults)} -Dderby.stream.error.file={scratch / 'derby.log'}"
        ),
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.hive.thriftServer.singleSession": "true",
        "spark.sql.runSQLOnFiles": "false",
        "spark.sql.warehouse.dir": str(scratch / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={scratch / 'metastore'};create=true",
        **{f"spark.hadoop.{key}": value for key, value in hive_settings(host, port).items()},
    }


def serve(lake: Lake, host: str, port: int, password_file: Path, stop: threading.Event | None = None) -> None:
    """Serve the gold views of `lake` until SIGTERM or SIGINT (or `stop` is set)."""
    if not SERVE_JAR.is_file():
        raise ConfigError(f"{SERVE_JAR} is missing; run `make setup` (it compiles jobs/analysts/java)")
    if not gold_tables(lake):
        raise ConfigError(f"no gold tables under {lake.gold_root}; run `tollgate run` first")
    if not _port_free(host, port):
        raise ConfigError(f"{host}:{port} is taken (another server?); choose another with --port")
    if host not in LOOPBACK:
        log.warning("listening on %s: logins cross the network unencrypted; use TLS or an SSH tunnel", host)
    for name in _ADDRESS_ENV:
        os.environ.pop(name, None)  # the JVM inherits this environment; --host and --port decide
    stop = stop or _stop_on_signals()
    with tempfile.TemporaryDirectory(prefix="tollgate-serve-") as scratch:
        spark = get_spark("tollgate-serve", extra_conf=spark_settings(host, port, Path(scratch)))
        try:
            names = register_gold(spark, lake)
            server = _start(spark, names, host, port, password_file)
            log.info("serving %s on %s:%d (HiveServer2 protocol); stop with Ctrl-C", ", ".join(names), host, port)
            while not stop.wait(1.0):  # a timed wait, so the signal handlers get to run
                pass
            server.stop()
        finally:
            spark.stop()


def _start(spark: SparkSession, names: list[str], host: str, port: int, password_file: Path):
    """HiveServer2 on the session, once the guard is known to be in place; checked after it starts."""
    # Read by the guard at every statement and by the login check at every login: a
    # HiveServer2 login builds a fresh Hive configuration, which sees system properties only.
    properties = {
        **hive_settings(host, port),
        VIEWS_PROPERTY: ",".join(names),
        PASSWORD_FILE_PROPERTY: str(password_file.resolve()),
    }
    jvm = spark.sparkContext._jvm
    for key, value in properties.items():
        jvm.java.lang.System.setProperty(key, value)
    # Spark skips a session extension it cannot load, with a warning only: no guard, no server.
    parser = spark._jsparkSession.sessionState().sqlParser().getClass().getName()
    if parser != GUARD_PARSER:
        raise ConfigError(f"the gold-only guard is not loaded (the SQL parser is {parser}); run `make setup`")
    server = jvm.org.apache.spark.sql.hive.thriftserver.HiveThriftServer2.startWithSparkSession(
        spark._jsparkSession, False
    )
    # HiveServer2 lets anyone in unless its configuration says CUSTOM: check the one it runs with.
    conf = server.getHiveConf()
    running = (conf.get("hive.server2.authentication"), conf.get("hive.server2.thrift.bind.host"))
    if running != ("CUSTOM", host):
        server.stop()
        raise ConfigError(f"HiveServer2 started with authentication and address {running}; stopped it")
    return server


def _port_free(host: str, port: int) -> bool:
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the Thrift server binds
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    return stop
