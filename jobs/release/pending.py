"""An export's attempts until it ends: one Delta commit records them all in the release ledger,
and only after it are the passed releases renamed into place, so a release never appears
without its ledger row. An export killed before that commit leaves only staging folders, which
the next export removes (jobs/release/publish.py `remove_dead_staging`).

Example:
    with ledger_batch(spark, lake, pending) as batch:  # an export's batch, or one of our own
        batch.refused(record)
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from pyspark.sql import SparkSession

from jobs.lake.layout import Lake
from jobs.release.ledger import ReleaseRecord, record_releases

log = logging.getLogger("tollgate.export")


class PendingReleases:
    """The ledger rows and the sealed staging folders of one export, until `commit`."""

    def __init__(self) -> None:
        self.records: list[ReleaseRecord] = []
        self.moves: list[tuple[Path, Path]] = []  # (staging folder, release folder)

    def refused(self, record: ReleaseRecord) -> None:
        self.records.append(record)

    def passed(self, record: ReleaseRecord, staging: Path, final_dir: Path) -> None:
        self.records.append(record)
        self.moves.append((staging, final_dir))

    def commit(self, spark: SparkSession, lake: Lake) -> None:
        """Every row in one ledger transaction, then every passed folder renamed into place
        (the one step a recipient can see). A folder not renamed is removed."""
        try:
            if self.records:
                record_releases(spark, lake, self.records)
            for staging, final_dir in self.moves:
                final_dir.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                os.rename(staging, final_dir)
                log.info("published %s", final_dir)
        finally:
            for staging, _ in self.moves:
                shutil.rmtree(staging, ignore_errors=True)
            self.records, self.moves = [], []


@contextlib.contextmanager
def ledger_batch(spark: SparkSession, lake: Lake, pending: PendingReleases | None) -> Iterator[PendingReleases]:
    """`pending` as it is (its export commits it at its end); without one, a batch of the
    caller's own, committed on the way out, whether the block raised or not."""
    if pending is not None:
        yield pending
        return
    own = PendingReleases()
    try:
        yield own
    finally:
        own.commit(spark, lake)
