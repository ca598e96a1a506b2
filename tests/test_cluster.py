"""The daily pipeline through spark-submit on a Spark standalone cluster (one master, one
worker, both on 127.0.0.1, started from the scripts and classes that ship inside PySpark)
gives the same gold tables as a local run of the same landing folder: the session's `pipeline`
lake (tests/conftest.py), which other modules compare against too.

Run with `make test-cluster` (it takes minutes on 2 cores; `make test` leaves it out, and
`make test INTEGRATION=1`, as .ci/run has it, runs it in the suite's session).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pyspark
import pytest

from jobs.lake.session import PROJECT_ROOT, delta_jars
from tests.pipeline_run import PIPELINE_KEY, compared_recipients
from tests.planted_landing import build_landing
from tests.suite_spark import conf_arguments

SPARK_HOME = Path(pyspark.__file__).parent
START_TIMEOUT_S = 120
SUBMIT_TIMEOUT_S = 900


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _spark_class(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    """A Spark daemon in its own process group, bounded by `timeout` even if pytest dies."""
    command = [
        "timeout",
        "--kill-after=10",
        str(SUBMIT_TIMEOUT_S + 300),
        str(SPARK_HOME / "bin" / "spark-class"),
        *args,
    ]
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for(log: Path, text: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.5)
    pytest.fail(f"{log.name}: no {text!r} within {START_TIMEOUT_S} s:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _daemon_env(tmp_path: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("SPARK_", "PYSPARK_"))}
    # Bind to the loopback address only; no REST submission server on the master.
    return {
        **env,
        "SPARK_HOME": str(SPARK_HOME),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_MASTER_OPTS": "-Dspark.master.rest.enabled=false",
        "SPARK_WORKER_DIR": str(tmp_path / "work"),
        "SPARK_LOG_DIR": str(tmp_path / "logs"),
    }


@pytest.fixture()
def standalone_cluster(tmp_path):
    """spark://127.0.0.1:<port> with one worker of 1 core and 2 GB; both killed afterwards."""
    env = _daemon_env(tmp_path)
    port, master_ui, worker_ui = _free_port(), _free_port(), _free_port()
    url = f"spark://127.0.0.1:{port}"
    started = []
    try:
        master_log = tmp_path / "master.log"
        started.append(
            _spark_class(
                [
                    "org.apache.spark.deploy.master.Master",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--webui-port",
                    str(master_ui),
                ],
                master_log,
                env,
            )
        )
        _wait_for(master_log, "I have been elected leader", started[-1])
        worker_log = tmp_path / "worker.log"
        started.append(
            _spark_class(
                [
                    "org.apache.spark.deploy.worker.Worker",
                    url,
                    "--host",
                    "127.0.0.1",
                    "--webui-port",
                    str(worker_ui),
                    "--cores",
                    "1",
                    "--memory",
                    "2g",
                ],
                worker_log,
                env,
            )
        )
        _wait_for(worker_log, "Successfully registered with master", started[-1])
        yield url, tmp_path / "work"
    finally:
        for process in reversed(started):
            _stop(process)


def _package(dist: Path) -> Path:
    """The zip that `make package` builds, into a folder of the test's own."""
    subprocess.run(["make", "--no-print-directory", "-s", "package", f"DIST={dist}"], cwd=PROJECT_ROOT, check=True)
    return dist / "tollgate-jobs.zip"


def _submit(master: str, py_files: Path, root: Path, log: Path) -> int:
    """spark-submit jobs/__main__.py run, configured by the project's spark-defaults.conf (and,
    as every Spark of the suite, tests/suite_spark.py)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("SPARK_", "PYSPARK_"))}
    env.update(
        {
            "SPARK_HOME": str(SPARK_HOME),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_CONF_DIR": str(PROJECT_ROOT),  # spark-defaults.conf: local[2], which --master overrides
            "PYSPARK_PYTHON": sys.executable,
            "TOLLGATE_HOME": str(PROJECT_ROOT),
            "TOLLGATE_HMAC_KEY": PIPELINE_KEY,  # the key of the reference lake
        }
    )
    command = [
        str(SPARK_HOME / "bin" / "spark-submit"),
        "--master",
        master,
        "--py-files",
        str(py_files),
        "--jars",
        ",".join(str(jar) for jar in delta_jars()),
        *conf_arguments(),
        str(PROJECT_ROOT / "jobs" / "__main__.py"),
        "run",
        *(f"--{name}={root / name}" for name in ("landing", "lake", "exports")),
        # Two releases, not every recipient's: the gold tables are compared, not the exports.
        f"--recipients={compared_recipients(root / 'recipients.yaml')}",
    ]
    # The project folder as working folder: spark-defaults.conf names conf/log4j2.properties.
    with log.open("wb") as out:
        return subprocess.run(
            command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=SUBMIT_TIMEOUT_S
        ).returncode


def _gold_tables(spark, lake: Path) -> dict[str, list[tuple]]:
    return {
        table.name: sorted(tuple(row) for row in spark.read.format("delta").load(str(table)).collect())
        for table in sorted((lake / "gold").iterdir())
    }


def test_spark_submit_to_a_standalone_cluster_gives_the_gold_tables_of_a_local_run(
    standalone_cluster, spark, tmp_path, pipeline
):
    master, work_dir = standalone_cluster
    py_files = _package(tmp_path / "dist")
    assert {
        "jobs/__main__.py",
        "jobs/pipeline/run.py",
        "transforms/aggregates.py",
        "expectations/manifest.schema.json",
    } <= set(zipfile.ZipFile(py_files).namelist())
    cluster_root = tmp_path / "cluster"
    # The landing of the session's local run, built again (no symlinks: bronze records paths
    # relative to the landing folder).
    build_landing(cluster_root / "landing")
    log = tmp_path / "submit.log"
    code = _submit(master, py_files, cluster_root, log)
    output = log.read_text(errors="replace")
    assert code == 0, output[-4000:]
    assert "[export] done" in output
    # The work ran in an executor of the worker (not in local[2]), with the zip shipped to it.
    executors = list(work_dir.glob("app-*/*/stderr"))
    assert executors, "no executor ran on the standalone worker"
    assert (executors[0].parent / py_files.name).is_file()

    # The local run: the planted landing run with the same key and the shipped configuration
    # (then re-run, which leaves gold as one run makes it).
    cluster_gold, local_gold = _gold_tables(spark, cluster_root / "lake"), _gold_tables(spark, pipeline[0] / "lake")
    # The landing's one publishable cell; other datasets may be all suppressed here.
    assert local_gold["usage_by_time_of_day"] and local_gold["daily_usage"]
    assert cluster_gold == local_gold
