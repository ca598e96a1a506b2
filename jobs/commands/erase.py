"""`tollgate erase`: apply every open erasure request, everywhere the account's data lives."""

from __future__ import annotations

import argparse

from jobs.commands.args import add_location_args
from jobs.config.keys import load_hmac_key
from jobs.config.policy import load_policy
from jobs.lake.layout import Lake
from jobs.lake.session import get_spark
from jobs.rights.erase import erase, print_report

HELP = "apply open erasure requests: delete everywhere, rebuild silver and gold, vacuum"


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)


def run(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    key = load_hmac_key(args.config)
    report = erase(get_spark("tollgate-erase"), Lake(args.lake), key, policy)
    print_report(report)
    return 0
