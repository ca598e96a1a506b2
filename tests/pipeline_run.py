"""One finished `tollgate run` of the planted landing (tests/planted_landing.py) with the shipped
configuration, then run again: what the session fixture `pipeline` (tests/conftest.py) builds once.
The re-run publishes only the releases test_pipeline.py compares with the first run's."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from jobs.commands.cli import main
from jobs.config.recipients import load_recipients
from jobs.lake.session import project_path
from tests.planted_landing import build_landing

PIPELINE_KEY = "pipeline-test-key-0123456789abcdef"
# The shipped recipient whose releases test_pipeline.py compares between the two runs.
COMPARED = ("northwind-research", ("usage_by_time_of_day", "daily_usage"))


def run_cli(root: Path, *extra: str) -> int:
    where = [f"--{name}={root / name}" for name in ("landing", "lake", "exports")]
    return main(["run", *where, *extra])


class LogCapture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.messages: list[tuple[int, str]] = []

    def emit(self, record):
        self.messages.append((record.levelno, record.getMessage()))


def compared_recipients(path: Path) -> Path:
    """A recipients file at `path`: the shipped northwind-research entry as it is (kind, format,
    regions), with only the two datasets of COMPARED. For runs whose releases are compared or
    killed, not each recipient's (every release costs a gate and a ledger commit)."""
    name, datasets = COMPARED
    shipped = yaml.safe_load(project_path("conf", "recipients.yaml").read_text(encoding="utf-8"))
    [entry] = [recipient for recipient in shipped["recipients"] if recipient["name"] == name]
    path.write_text(yaml.safe_dump({"recipients": [{**entry, "datasets": list(datasets)}]}), encoding="utf-8")
    return path


def gold_rows(spark, root: Path, dataset: str = "usage_by_time_of_day") -> list[tuple]:
    gold = spark.read.format("delta").load(str(root / "lake" / "gold" / dataset))
    return sorted(tuple(row) for row in gold.collect())


def build_pipeline(root: Path, spark) -> tuple[Path, list[tuple], list[Path], list[tuple[int, str]]]:
    build_landing(root / "landing")
    records = LogCapture()
    logging.getLogger("tollgate").addHandler(records)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOLLGATE_HMAC_KEY", PIPELINE_KEY)
        try:
            assert run_cli(root) == 0
        finally:
            logging.getLogger("tollgate").removeHandler(records)
        first_gold = gold_rows(spark, root)
        first_releases = sorted((root / "exports").glob("*/*/*"))
        wanted = load_recipients(project_path("conf", "recipients.yaml"), k_floor=5).values()
        assert len(first_releases) == sum(len(r.datasets) for r in wanted), "one release per recipient and dataset"
        # The re-run rebuilds every table; it publishes again only what is compared with the first run.
        assert run_cli(root, f"--recipients={compared_recipients(root / 'compared-recipients.yaml')}") == 0
    return root, first_gold, first_releases, records.messages
