"""SIGKILL in the middle of a stage, then run it again: nothing half-written is ever visible."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pyspark.sql import functions as F

from jobs.cli import main
from jobs.verify import verify_release
from tests.test_pipeline import build_landing

KEY = "killed-jobs-test-key-0123456789abcdef"


def _start(command: list[str]) -> subprocess.Popen:
    env = {**os.environ, "TOLLGATE_HMAC_KEY": KEY}
    # Its own session, so the kill reaches the JVM that PySpark starts as a child.
    return subprocess.Popen([sys.executable, "-m", "jobs.cli", *command], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


def _kill_when(process: subprocess.Popen, ready, timeout_s: float = 180) -> bool:
    """SIGKILL the process group once `ready()` holds; False if the process ended first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        if ready():
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.05)
    return False


def _releases(exports: Path) -> list[Path]:
    """Release folders: exports/<recipient>/<dataset>/<release_id>, never under .staging/."""
    return sorted(p for p in exports.glob("*/*/*") if p.is_dir() and not p.relative_to(exports).parts[0].startswith("."))


def test_killed_export_leaves_no_partial_release_and_a_rerun_publishes(spark, tmp_path, monkeypatch):
    monkeypatch.setenv("TOLLGATE_HMAC_KEY", KEY)
    build_landing(tmp_path / "landing")
    where = [f"--{name}={tmp_path / name}" for name in ("landing", "lake", "exports")]
    assert main(["run", *where]) == 0
    before = _releases(tmp_path / "exports")
    staging = tmp_path / "exports" / ".staging"
    process = _start(["export", *where])
    assert _kill_when(process, lambda: staging.is_dir() and any(staging.iterdir())), "export ended before the kill"
    # Whatever it had staged, no release folder appeared, and every folder there verifies.
    assert _releases(tmp_path / "exports") == before
    assert all(verify_release(release) == [] for release in before)
    assert main(["export", *where]) == 0
    after = _releases(tmp_path / "exports")
    assert len(after) == len(before) + 2 and all(verify_release(release) == [] for release in after)


def test_killed_ingest_then_rerun_leaves_each_record_once(spark, tmp_path, monkeypatch):
    monkeypatch.setenv("TOLLGATE_HMAC_KEY", KEY)
    build_landing(tmp_path / "landing")
    where = [f"--{name}={tmp_path / name}" for name in ("landing", "lake", "exports")]
    assert main(["ingest", *where]) == 0
    bronze = tmp_path / "lake" / "bronze" / "cdr_legs"
    expected = spark.read.format("delta").load(str(bronze)).count()
    commits = lambda: len(list(tmp_path.glob("lake/bronze/*/_delta_log/*.json")))  # noqa: E731
    before = commits()
    process = _start(["ingest", *where])
    # Kill as soon as the second ingest has committed its first table: mid-stage, with the
    # other tables not yet rewritten.
    assert _kill_when(process, lambda: commits() > before), "ingest ended before the kill"
    assert commits() < before + 5, "the kill came after the whole stage had committed"
    assert spark.read.format("delta").load(str(bronze)).count() == expected
    assert main(["ingest", *where]) == 0
    rows = spark.read.format("delta").load(str(bronze))
    assert rows.count() == expected and rows.select(F.countDistinct("leg_id")).first()[0] == expected
