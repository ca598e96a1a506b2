"""`tollgate serve`: gold for BI tools over HiveServer2, gold only, behind a login.

Without a server (a JVM, no Spark): the guard that every statement passes through, on real
parsed plans, and the login check, the way HiveServer2 makes it. With one (marked `serve`,
`make test-serve`): the Spark Thrift Server started by `tollgate serve` on a small lake,
logged into with beeline, the JDBC client that ships with PySpark.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyspark
import pytest

from jobs.analysts.endpoint import SERVE_JAR, hive_settings, spark_settings
from jobs.analysts.passwords import check_password_file, set_password, verify_password
from jobs.errors import ConfigError
from jobs.lake.session import PROJECT_ROOT, project_path
from tests.test_sql import PLANTED_EMAIL, PLANTED_PSEUDONYM, tiny_lake

SPARK_HOME = Path(pyspark.__file__).parent
CLASS_PATH = os.pathsep.join([str(SERVE_JAR), str(SPARK_HOME / "jars" / "*"), str(project_path(".jars", "*"))])
USER, PASSWORD = "analyst", "correct-horse-battery-staple"
GOLD_VIEWS = "usage_by_time_of_day,daily_usage"

# (statement, allowed): what a client sends, and whether the guard lets it through.
STATEMENTS = [
    ("SELECT region, SUM(participant_minutes) FROM usage_by_time_of_day GROUP BY 1 ORDER BY 2 DESC", True),
    ("WITH w AS (SELECT region FROM usage_by_time_of_day) SELECT * FROM w JOIN daily_usage USING (region)", True),
    ("SELECT * FROM usage_by_time_of_day WHERE region IN (SELECT region FROM daily_usage) LIMIT 5", True),
    ("USE default", True),
    ("SHOW TABLES", True),
    ("DESCRIBE usage_by_time_of_day", True),
    ("SELECT * FROM delta.`/lake/bronze/accounts`", False),
    ("SELECT * FROM parquet.`/lake/silver/cdr_legs`", False),
    ("SELECT * FROM `/lake/bronze/accounts`", False),
    ("SELECT * FROM accounts", False),
    ("SELECT * FROM default.usage_by_time_of_day", False),
    ("WITH w AS (SELECT * FROM delta.`/lake/bronze/accounts`) SELECT * FROM w", False),
    ("SELECT (SELECT max(email) FROM delta.`/lake/bronze/accounts`) FROM usage_by_time_of_day", False),
    ("SELECT * FROM usage_by_time_of_day, LATERAL (SELECT * FROM delta.`/lake/bronze/accounts`)", False),
    ("SELECT * FROM IDENTIFIER('delta.`/lake/bronze/accounts`')", False),
    ("SELECT * FROM usage_by_time_of_day WITH ('path' = '/lake/bronze/accounts')", False),
    ("SELECT * FROM usage_by_time_of_day VERSION AS OF 0", False),
    ("SELECT * FROM range(10)", False),
    ("SELECT reflect('java.lang.System', 'getenv', 'TOLLGATE_HMAC_KEY')", False),
    ("SELECT TRANSFORM(region) USING 'cat /etc/passwd' FROM usage_by_time_of_day", False),
    ("CREATE TABLE t USING delta LOCATION '/lake/bronze/accounts'", False),
    ("CREATE TEMPORARY VIEW v USING parquet OPTIONS (path '/lake/bronze/accounts')", False),
    ("INSERT INTO usage_by_time_of_day SELECT * FROM usage_by_time_of_day", False),
    ("INSERT OVERWRITE DIRECTORY '/tmp/out' SELECT * FROM usage_by_time_of_day", False),
    ("DROP VIEW usage_by_time_of_day", False),
    ("SET spark.sql.runSQLOnFiles=true", False),
    ("ADD JAR /tmp/x.jar", False),
    ("CACHE TABLE c AS SELECT * FROM delta.`/lake/bronze/accounts`", False),
    ("EXECUTE IMMEDIATE 'SELECT * FROM delta.`/lake/bronze/accounts`'", False),
    ("BEGIN SELECT * FROM delta.`/lake/bronze/accounts`; END", False),
    ("DESCRIBE HISTORY delta.`/lake/bronze/accounts`", False),
    ("VACUUM usage_by_time_of_day", False),
]


def _java(main_class: str, *args: str, stdin: str) -> str:
    if not SERVE_JAR.is_file():
        pytest.fail(f"{SERVE_JAR} is missing: `make setup` compiles it")
    command = ["java", "-cp", CLASS_PATH, main_class, *args]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, check=True, timeout=300).stdout


def test_the_guard_lets_gold_queries_through_and_nothing_else():
    printed = _java("tollgate.serve.GoldOnlyCheck", GOLD_VIEWS, stdin="\n".join(sql for sql, _ in STATEMENTS))
    verdicts = [line == "allowed" for line in printed.splitlines()]
    assert verdicts == [allowed for _, allowed in STATEMENTS]
    assert all("gold views only" in line for line in printed.splitlines() if line != "allowed")


def test_the_login_check_is_the_one_hiveserver2_makes(tmp_path):
    passwords = tmp_path / "passwords"
    set_password(passwords, USER, PASSWORD, iterations=1_000)
    set_password(passwords, "second", "another-password-1", iterations=1_000)
    set_password(passwords, USER, PASSWORD, iterations=1_000)  # a change replaces the line
    assert oct(passwords.stat().st_mode & 0o777) == "0o600" and check_password_file(passwords) == ["second", USER]
    assert PASSWORD not in passwords.read_text()
    login = "tollgate.serve.PasswordFileAuthenticator"
    assert _java(login, str(passwords), USER, stdin=PASSWORD).strip() == "ok"
    assert _java(login, str(passwords), USER, stdin=PASSWORD + "x").strip() == "refused"
    assert _java(login, str(passwords), "nobody", stdin=PASSWORD).strip() == "refused"
    passwords.chmod(0o644)
    assert _java(login, str(passwords), USER, stdin=PASSWORD).strip() == "refused"
    with pytest.raises(ConfigError, match="chmod 600"):
        check_password_file(passwords)


def test_passwords_and_settings(tmp_path):
    set_password(tmp_path / "p", USER, PASSWORD, iterations=1_000)
    record = (tmp_path / "p").read_text().strip().partition(":")[2]
    assert verify_password(record, PASSWORD) and not verify_password(record, PASSWORD.upper())
    with pytest.raises(ConfigError, match="12 characters"):
        set_password(tmp_path / "p", USER, "short")
    with pytest.raises(ConfigError, match="no password file"):
        check_password_file(tmp_path / "absent")
    hive = hive_settings("127.0.0.1", 10001)
    assert hive["hive.server2.authentication"] == "CUSTOM" and hive["hive.server2.thrift.bind.host"] == "127.0.0.1"
    spark = spark_settings("127.0.0.1", 10001, tmp_path)
    # The guard comes last, so it wraps Delta's parser, and path queries are off as well.
    assert spark["spark.sql.extensions"].split(",")[-1] == "tollgate.serve.GoldOnlyExtension"
    assert spark["spark.sql.runSQLOnFiles"] == "false"


# ---- with a server -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`tollgate serve` on a small lake, until the module's tests are done; yields (port, log)."""
    root = tmp_path_factory.mktemp("serve")
    lake = tiny_lake(root / "lake")
    passwords = root / "passwords"
    set_password(passwords, USER, PASSWORD, iterations=1_000)  # cheap hashing: the tests log in often
    port, log_path = _free_port(), root / "serve.log"
    command = [sys.executable, "-m", "jobs", "serve", "--lake", str(lake), "--port", str(port)]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*command, "--password-file", str(passwords)], cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 300
        while "serving" not in log_path.read_text() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(1)
        if "serving" not in log_path.read_text():
            process.kill()
            pytest.fail(f"tollgate serve did not start:\n{log_path.read_text()[-3000:]}")
        yield port, log_path
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=120) == 0  # stops cleanly on SIGTERM


def _beeline(
    port: int, statement: str, user: str = USER, password: str = PASSWORD, url_conf: str = ""
) -> subprocess.CompletedProcess:
    """beeline, the JDBC client in PySpark's bin/, as README shows it (password from a file, -w)."""
    with tempfile.NamedTemporaryFile("w", suffix=".password") as password_file:
        password_file.write(password)
        password_file.flush()
        command = [
            str(SPARK_HOME / "bin" / "beeline"),
            *("-u", f"jdbc:hive2://127.0.0.1:{port}/default{url_conf}", "-n", user, "-w", password_file.name),
            *("--silent=true", "--showHeader=true", "--outputformat=csv2", "-e", statement),
        ]
        env = {**os.environ, "SPARK_HOME": str(SPARK_HOME)}
        return subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)


@pytest.mark.serve
def test_beeline_reads_gold(server):
    port, _ = server
    query = "SELECT region, SUM(participant_minutes) AS minutes FROM usage_by_time_of_day GROUP BY 1 ORDER BY 1"
    done = _beeline(port, query)
    assert done.returncode == 0, done.stderr[-2000:]
    # beeline echoes its prompt before the first line it prints, even with --silent.
    lines = [re.sub(r"^\d+: jdbc:hive2://\S+> ", "", line) for line in done.stdout.splitlines() if line]
    assert lines == ["region,minutes", "eu,1050", "us,1800"]
    tables = _beeline(port, "SHOW TABLES")
    assert tables.returncode == 0 and "usage_by_time_of_day" in tables.stdout
    assert "accounts" not in tables.stdout and "cdr_legs" not in tables.stdout


@pytest.mark.serve
@pytest.mark.parametrize(
    ("statement", "url_conf"),
    [
        ("SELECT * FROM delta.`{lake}/bronze/accounts`", ""),
        ("SELECT * FROM parquet.`{lake}/silver/cdr_legs`", ""),
        ("CREATE TABLE leak USING delta LOCATION '{lake}/bronze/accounts'", ""),
        ("SET spark.sql.runSQLOnFiles=true", ""),
        # A client can change session settings when it connects, without any statement.
        ("SELECT * FROM delta.`{lake}/bronze/accounts`", "?spark.sql.runSQLOnFiles=true"),
        ("SELECT email FROM accounts", ""),
        ("SELECT reflect('java.lang.System', 'getenv', 'TOLLGATE_HMAC_KEY')", ""),
        ("INSERT INTO usage_by_time_of_day SELECT * FROM usage_by_time_of_day", ""),
    ],
)
def test_bronze_and_silver_cannot_be_read(server, statement, url_conf):
    port, log_path = server
    lake = log_path.parent / "lake"
    done = _beeline(port, statement.format(lake=lake), url_conf=url_conf)
    assert done.returncode != 0
    assert "gold views only" in done.stdout + done.stderr
    assert PLANTED_EMAIL not in done.stdout + done.stderr and PLANTED_PSEUDONYM not in done.stdout + done.stderr


@pytest.mark.serve
@pytest.mark.parametrize(("user", "password"), [(USER, "not-the-password"), ("nobody", PASSWORD)])
def test_a_wrong_login_is_refused(server, user, password):
    port, _ = server
    done = _beeline(port, "SELECT 'in' AS answer", user=user, password=password)
    assert done.returncode != 0
    assert "Error validating the login" in done.stdout + done.stderr and "in" not in done.stdout.split()


@pytest.mark.serve
def test_the_server_log_holds_no_planted_value(server):
    _, log_path = server
    text = log_path.read_text()
    assert "serving usage_by_time_of_day on 127.0.0.1" in text
    assert PLANTED_EMAIL not in text and PLANTED_PSEUDONYM not in text
