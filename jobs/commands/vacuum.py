"""`tollgate vacuum`: remove the files of bronze and silver that no longer hold current rows.

A scheduled deployment runs it after aggregate (the stage list, jobs/pipeline/stages.py):
erasure deleted rows and ingest, anonymize and aggregate replaced partitions, and the old
files may still hold an erased account. Retention 0 hours, as erasure does; nothing to do on
a lake that has never had an erasure.
"""

from __future__ import annotations

import argparse
import logging

from jobs.commands.args import add_location_args
from jobs.lake.layout import Lake, is_delta
from jobs.lake.session import get_spark
from jobs.rights.erase import vacuum_identifiable

HELP = "remove old files of bronze and silver after erasures (retention 0 h)"
log = logging.getLogger("tollgate.vacuum")


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)


def run(args: argparse.Namespace) -> int:
    spark = get_spark("tollgate-vacuum")
    lake = Lake(args.lake)
    if not is_delta(spark, lake.suppression):
        log.info("vacuum: no erasure has ever been applied to this lake; nothing to remove")
        return 0
    vacuumed = vacuum_identifiable(spark, lake)
    log.info("vacuum: %d table(s) vacuumed (retention 0 h)", len(vacuumed))
    return 0
