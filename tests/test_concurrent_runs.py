"""Two writers on one lake: they serialize on the lake lock, or one is refused cleanly, and
the tables end up as after a single run."""

from __future__ import annotations

import concurrent.futures
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from jobs.commands.cli import main
from jobs.lake.lock import LakeBusy, lake_lock
from jobs.release.verify import verify_release
from tests.lock_holder import holding_the_lock
from tests.log_capture import Messages
from tests.planted_landing import build_landing
from tests.test_killed_jobs import KEY, _releases, _start

PATIENCE_S = 3600


def test_a_held_lock_refuses_at_once_and_names_its_holder(tmp_path):
    holder = holding_the_lock(tmp_path / "lake")
    try:
        body = json.loads((tmp_path / "lake" / "_lock").read_text())
        assert body["pid"] == holder.pid and body["command"] == "run" and set(body) == {"pid", "command", "since"}
        assert oct((tmp_path / "lake" / "_lock").stat().st_mode & 0o777) == "0o600"
        started = time.monotonic()
        with pytest.raises(LakeBusy) as refused, lake_lock(tmp_path / "lake", "export"):
            pass
        assert time.monotonic() - started < 1
        message = str(refused.value)
        assert f"another tollgate command (pid {holder.pid}, `run`, since " in message
        assert str(tmp_path / "lake" / "_lock") in message and "--wait-lock" in message
    finally:
        holder.communicate("")
    with lake_lock(tmp_path / "lake", "export"):  # free again once the holder has ended
        assert json.loads((tmp_path / "lake" / "_lock").read_text())["pid"] == os.getpid()


def test_a_waiting_command_gets_the_lock_once_its_holder_is_killed(tmp_path):
    holder = holding_the_lock(tmp_path / "lake")
    threading.Timer(1.0, os.kill, (holder.pid, signal.SIGKILL)).start()
    started = time.monotonic()
    with lake_lock(tmp_path / "lake", "export", wait_s=60):
        waited = time.monotonic() - started
    holder.wait()
    # The kernel freed the lock of the SIGKILLed holder: no stale lock, nothing to clean.
    assert 0.9 < waited < 30


def test_a_lock_on_a_new_lake_folder_leaves_nothing_if_nothing_was_written(tmp_path):
    with lake_lock(tmp_path / "lake", "run"):
        assert (tmp_path / "lake" / "_lock").is_file()
    assert not (tmp_path / "lake").exists()
    with lake_lock(tmp_path / "lake", "run"):
        (tmp_path / "lake" / "bronze").mkdir()
    assert sorted(p.name for p in (tmp_path / "lake").iterdir()) == ["_lock", "bronze"]


def test_the_command_line_refuses_a_second_writer_with_exit_1(tmp_path, caplog, monkeypatch):
    monkeypatch.setenv("TOLLGATE_HMAC_KEY", KEY)
    holder = holding_the_lock(tmp_path / "lake")
    try:
        code = main(["aggregate", f"--lake={tmp_path / 'lake'}"])
    finally:
        holder.communicate("")
    assert code == 1
    assert f"(pid {holder.pid}, `run`, since " in caplog.text and "did not start" in caplog.text


def _gold(spark, lake: Path, dataset: str) -> list[tuple]:
    return sorted(tuple(row) for row in spark.read.format("delta").load(str(lake / "gold" / dataset)).collect())


# The two concurrent runs publish one small release each: what is compared is the lake.
ONE_RELEASE = """recipients:
  - name: open-research
    kind: research
    datasets: [usage_by_time_of_day]
"""


def test_two_runs_at_once_serialize_a_third_is_refused_and_tables_are_as_after_one_run(
    spark, tmp_path, pipeline, monkeypatch
):
    build_landing(tmp_path / "landing")
    recipients = tmp_path / "recipients.yaml"
    recipients.write_text(ONE_RELEASE)
    where = [f"--{name}={tmp_path / name}" for name in ("landing", "lake", "exports")]
    where.append(f"--recipients={recipients}")
    # Two writers: a `tollgate run` process of its own, and one in this process (its JVM warm:
    # the serialized pair costs one cold run, not two). The test holds the lock while both
    # start, so each is seen to wait whatever the machine's speed: left to race, the warm run
    # had ended before the cold one reached the lock (neither waited, seen once in CI), or a
    # third run took the lock between the two. Released, one writer waits for the other.
    monkeypatch.setenv("TOLLGATE_HMAC_KEY", KEY)
    log = tmp_path / "process.log"
    with lake_lock(tmp_path / "lake", "run"):
        # Generous: a loaded 2-core machine has taken 7 minutes for one run of this landing.
        process = _start(["run", *where, f"--wait-lock={PATIENCE_S}"], stderr=log.open("w"))
        here = _InProcessRun(["run", *where, f"--wait-lock={PATIENCE_S}"])
        try:
            _wait_until_both_wait(process, log, here)
            _refuse_a_third_run_meanwhile(where)
        except BaseException:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    try:
        assert process.wait(timeout=2 * PATIENCE_S) == 0
        assert here.result(timeout=2 * PATIENCE_S) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    # Each waited once: for the test, then (the one that lost the race) for the other writer.
    for text in (log.read_text(), here.text()):
        assert text.count("holds the lake lock") == 1 and f"waiting up to {PATIENCE_S} s" in text
    # The reference: the same landing run once (then re-run) into the session's own lake.
    reference = pipeline[0] / "lake"
    for dataset in ("usage_by_time_of_day", "daily_usage"):
        assert _gold(spark, tmp_path / "lake", dataset) == _gold(spark, reference, dataset)
    for table in ("bronze/cdr_legs", "bronze/quarantine", "silver/cdr_legs"):
        rows = spark.read.format("delta").load(str(tmp_path / "lake" / table))
        assert rows.count() == spark.read.format("delta").load(str(reference / table)).count(), table
    legs = spark.read.format("delta").load(str(tmp_path / "lake" / "bronze" / "cdr_legs"))
    assert legs.select(F.countDistinct("leg_id")).first()[0] == legs.count()
    releases = _releases(tmp_path / "exports")
    assert len(releases) == 2 and all(verify_release(r) == [] for r in releases)
    assert not any((tmp_path / "exports" / ".staging").glob("*"))


class _InProcessRun:
    """`tollgate <command>` in a thread of this process; its log records kept as text."""

    def __init__(self, argv: list[str]):
        self._records = Messages()
        logging.getLogger("tollgate").addHandler(self._records)
        self._outcome = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        self._future = self._outcome.submit(main, argv)

    def result(self, timeout: float) -> int:
        try:
            return self._future.result(timeout=timeout)
        finally:
            self._outcome.shutdown()
            logging.getLogger("tollgate").removeHandler(self._records)

    def text(self) -> str:
        return "\n".join(self._records.messages)


def _waiting(text: str) -> bool:
    return f"(pid {os.getpid()}, `run`, since " in text and "holds the lake lock" in text


def _wait_until_both_wait(process: subprocess.Popen, log: Path, here: _InProcessRun) -> None:
    """Until both writers have logged that this process (the test) holds the lock."""
    deadline = time.monotonic() + PATIENCE_S
    while not (_waiting(log.read_text()) and _waiting(here.text())):
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)


def _refuse_a_third_run_meanwhile(where: list[str]) -> None:
    """While this process holds the lock and two writers wait, a run that does not wait is
    refused before it starts Spark, with exit 1 and the holder named."""
    env = {**os.environ, "TOLLGATE_HMAC_KEY": KEY}
    third = subprocess.run(
        [sys.executable, "-m", "jobs", "run", *where], env=env, capture_output=True, text=True, timeout=PATIENCE_S
    )
    assert third.returncode == 1
    named = re.search(r"another tollgate command \(pid (\d+), `run`, since \d\d:\d\d:\d\d UTC\)", third.stderr)
    assert named and int(named.group(1)) == os.getpid()
    assert "--wait-lock" in third.stderr and "Traceback" not in third.stderr
    assert "SparkContext" not in third.stderr and "log level" not in third.stderr  # no JVM was started
