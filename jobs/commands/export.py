"""`tollgate export`: gold -> gated, checksummed releases for each recipient."""

from __future__ import annotations

import argparse

from jobs.commands.args import add_location_args
from jobs.config.keys import load_hmac_key
from jobs.config.policy import load_policy
from jobs.config.recipients import load_recipients
from jobs.config.subprocessors import (
    EXTRACT_DATASETS,
    check_extract_recipients,
)
from jobs.errors import ConfigError
from jobs.lake.layout import Lake
from jobs.lake.session import get_spark
from jobs.release.audience import EXCLUDED_BY_KIND
from jobs.release.export import export_all

HELP = "gold -> gated, checksummed releases for each recipient"


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)
    parser.add_argument("--recipient", help="only this recipient (default: all in the recipients file)")


def run(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    recipients = load_recipients(args.recipients, policy.k_floor)
    if args.recipient and args.recipient not in recipients:
        raise ConfigError(f"no recipient named {args.recipient!r} in {args.recipients}")
    chosen = [recipients[args.recipient]] if args.recipient else list(recipients.values())
    # Subprocessor extracts: covered by the policy (exit 2 before Spark starts), keyed per recipient.
    check_extract_recipients(policy.subprocessors, chosen)
    wants_extracts = any(d in EXTRACT_DATASETS for r in chosen for d in r.datasets)
    needs_key = wants_extracts or any(r.kind in EXCLUDED_BY_KIND for r in chosen)
    master_key = load_hmac_key(args.config) if needs_key else None
    spark = get_spark("tollgate-export")
    export_all(spark, Lake(args.lake), args.exports, chosen, policy, master_key=master_key)
    return 0
