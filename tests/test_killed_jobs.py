"""SIGKILL in the middle of a stage, then run it again: nothing half-written is ever visible."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from jobs.commands.cli import main
from jobs.config.recipients import load_recipients
from jobs.release.verify import verify_release
from tests.pipeline_run import PIPELINE_KEY, compared_recipients

# The key of the session's `pipeline` lake, which each test here copies and runs stages on.
KEY = PIPELINE_KEY


def _start(command: list[str], stderr=subprocess.DEVNULL) -> subprocess.Popen:
    env = {**os.environ, "TOLLGATE_HMAC_KEY": KEY}
    # Its own session, so the kill reaches the JVM that PySpark starts as a child.
    return subprocess.Popen(
        [sys.executable, "-m", "jobs", *command],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )


def _kill_when(process: subprocess.Popen, ready, timeout_s: float = 1800) -> bool:
    """SIGKILL the process group once `ready()` holds; False if the process ended first (or
    took `timeout_s`: a loaded 2-core machine has needed minutes to start one)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        if ready():
            break
        time.sleep(0.05)
    killed = process.poll() is None
    if killed:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return killed and ready()


def _releases(exports: Path) -> list[Path]:
    """Release folders: exports/<recipient>/<dataset>/<release_id>, never under .staging/."""
    return sorted(
        p for p in exports.glob("*/*/*") if p.is_dir() and not p.relative_to(exports).parts[0].startswith(".")
    )


@pytest.fixture(scope="module")
def prepared(pipeline, spark):
    """The session's finished runs of the planted landing (tests/pipeline_run.py, made with KEY),
    shared: each test kills a stage on its own copy of that lake, never on the lake itself."""
    root = pipeline[0]
    return root, {table: _rows(spark, root / "lake" / table) for table in TABLES}


def _where(root: Path) -> list[str]:
    return [f"--{name}={root / name}" for name in ("landing", "lake", "exports")]


def _rows(spark, path: Path) -> list[tuple]:
    return sorted(tuple(row) for row in spark.read.format("delta").load(str(path)).collect())


def _copy(prepared_root: Path, root: Path) -> list[str]:
    for name in ("landing", "lake", "exports"):
        shutil.copytree(prepared_root / name, root / name, symlinks=True)
    return _where(root)


TABLES = ("silver/cdr_legs", "silver/web_requests", "gold/usage_by_time_of_day", "gold/daily_usage")


def _kill_mid_write(spark, root: Path, stage: str, table: str) -> str:
    """Run `stage` on the lake in `root` and SIGKILL it as soon as a new data file appears in
    `table`; returns whether that file had been committed yet."""
    folder = root / "lake" / table
    data_files = lambda: {p for p in folder.rglob("*.parquet") if "_delta_log" not in p.parts}  # noqa: E731
    commits = lambda: set((folder / "_delta_log").glob("*.json"))  # noqa: E731
    files_before, commits_before = data_files(), commits()
    process = _start([stage, *_where(root)])
    assert _kill_when(process, lambda: bool(data_files() - files_before)), f"{stage} ended before the kill"
    return "after its commit" if commits() - commits_before else "before its commit"


@pytest.mark.parametrize(
    ("stage", "table"), [("anonymize", "silver/cdr_legs"), ("aggregate", "gold/usage_by_time_of_day")]
)
def test_killed_stage_mid_write_then_rerun_gives_the_rows_of_an_unkilled_run(
    prepared, spark, tmp_path, monkeypatch, stage, table
):
    prepared_root, expected = prepared
    monkeypatch.setenv("TOLLGATE_HMAC_KEY", KEY)
    where = _copy(prepared_root, tmp_path)
    moment = _kill_mid_write(spark, tmp_path, stage, table)
    print(f"{stage} killed with a new file in {table}, {moment}")
    # Whatever the kill left behind (a data file no commit names, or one table rewritten and
    # not the next), every table reads as before: same rows, none twice.
    assert {name: _rows(spark, tmp_path / "lake" / name) for name in TABLES} == expected
    assert main([stage, *where]) == 0  # the kernel freed the killed run's lake lock
    assert {name: _rows(spark, tmp_path / "lake" / name) for name in TABLES} == expected


def test_killed_export_leaves_no_partial_release_and_a_rerun_publishes(prepared, tmp_path, monkeypatch):
    monkeypatch.setenv("TOLLGATE_HMAC_KEY", KEY)
    where = _copy(prepared[0], tmp_path)
    # The first release of the shipped file and one more, not all of them: the kill comes at the
    # first release, and the re-run publishes what the file names.
    recipients = compared_recipients(tmp_path / "recipients.yaml")
    where.append(f"--recipients={recipients}")
    before = _releases(tmp_path / "exports")
    staging = tmp_path / "exports" / ".staging"
    process = _start(["export", *where])
    assert _kill_when(process, lambda: staging.is_dir() and any(staging.iterdir())), "export ended before the kill"
    # Whatever it had staged, no release folder appeared, and every folder there verifies.
    assert _releases(tmp_path / "exports") == before
    assert all(verify_release(release) == [] for release in before)
    left_behind = sorted(path.name for path in staging.iterdir())
    assert left_behind  # the killed export's own staging folder, with no owner any more
    assert main(["export", *where]) == 0
    # The next export (under the lake lock, so no live export owns one) removed it.
    assert not any(name in left_behind for name in (path.name for path in staging.iterdir()))
    after = _releases(tmp_path / "exports")
    # One new release per recipient and dataset, beside the untouched earlier ones.
    wanted = load_recipients(recipients, k_floor=5).values()
    assert set(before) <= set(after) and len(after) == len(before) + sum(len(r.datasets) for r in wanted)
    assert all(verify_release(release) == [] for release in after)


def test_killed_ingest_then_rerun_leaves_each_record_once(prepared, spark, tmp_path, monkeypatch):
    monkeypatch.setenv("TOLLGATE_HMAC_KEY", KEY)
    where = _copy(prepared[0], tmp_path)
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
