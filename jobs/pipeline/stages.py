"""The one ordered list of the pipeline's stages.

`tollgate run` runs these in this order; the Airflow DAG (docs/airflow/tollgate_daily.py) and
the cron script (docs/cron/tollgate-daily.sh) make one task per stage from this same list, so a
scheduled deployment runs erasure and vacuum exactly as a run by hand does.

This module imports nothing outside the standard library: a scheduler's own environment
(Airflow's, cron's shell) reads it without Spark installed.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    """One step of a run; `dated` stages take the day (--date D), the others act on the lake."""

    name: str
    dated: bool
    does: str

    def command(self, day: str) -> list[str]:
        """The `tollgate` arguments that run this stage alone for `day` (YYYY-MM-DD)."""
        return [self.name, "--date", day] if self.dated else [self.name]


STAGES: tuple[Stage, ...] = (
    Stage("ingest", True, "landing files -> bronze; privacy requests; suppression list applied"),
    # Before silver is built: an erased account never reaches this run's silver or gold.
    Stage("erase", False, "every open erasure request: bronze rows deleted, silver and gold rebuilt"),
    Stage("anonymize", True, "bronze -> silver"),
    Stage("aggregate", True, "silver -> gold for every report week the days touch"),
    # After anonymize and aggregate replaced their partitions, and before anything leaves:
    # the files that still held erased rows are removed.
    Stage("vacuum", False, "files of bronze and silver that no longer hold current rows removed"),
    Stage("export", False, "gold -> gated releases for every recipient"),
)

STAGE_NAMES: tuple[str, ...] = tuple(stage.name for stage in STAGES)


def main(argv: list[str]) -> int:
    """`python -m jobs.pipeline.stages DAY`: one stage's `tollgate` arguments per line."""
    if len(argv) != 1:
        print("usage: python -m jobs.pipeline.stages YYYY-MM-DD", file=sys.stderr)
        return 2
    for stage in STAGES:
        print(" ".join(stage.command(argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
