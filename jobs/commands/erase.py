"""`tollgate erase`: apply every open erasure request, everywhere the account's data lives."""

from __future__ import annotations

import argparse
import logging

from jobs.commands.args import add_location_args
from jobs.config.keys import load_hmac_key
from jobs.config.policy import load_policy
from jobs.lake.layout import Lake
from jobs.lake.session import get_spark
from jobs.privacy.subjects import open_erasures
from jobs.rights.erase import erase, print_report, unreadable_request_lines
from jobs.stages.ingest import ingest_privacy

HELP = "take in landed privacy requests, apply every open erasure everywhere, rebuild silver and gold, vacuum"
log = logging.getLogger("tollgate.erase")


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)


def run(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    key = load_hmac_key(args.config)
    spark, lake = get_spark("tollgate-erase"), Lake(args.lake)
    # What has landed since the last ingest first (the requests alone, not the CDRs): an
    # officer told "applied" must be able to trust that every landed erasure was seen.
    ingest_privacy(spark, args.landing, lake, key)
    # Counted before erasing: a broken line that names an erased account is deleted with it.
    unreadable = unreadable_request_lines(spark, lake)
    report = erase(spark, lake, key, policy)
    print_report(report)
    still_open = open_erasures(spark, lake).count()
    log.info("erase: %d erasure request(s) still open", still_open)
    for reason, lines in sorted(unreadable.items()):
        # Reasons are fixed texts of the parser, never a value of the line.
        log.warning("erase: %d privacy request line(s) not applied: %s (in bronze/quarantine)", lines, reason)
    return 0
