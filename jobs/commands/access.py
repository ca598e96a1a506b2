"""`tollgate access`: everything the lake holds about one account, as a JSON file."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from jobs.commands.args import add_location_args
from jobs.config.keys import load_hmac_key
from jobs.errors import ConfigError
from jobs.lake.layout import Lake
from jobs.lake.session import get_spark
from jobs.rights.access import access_report, write_private_json

HELP = "write a JSON report of everything held about one account (--account ID --out FILE)"
# A privacy officer answers during the nightly run: access reads each table's current Delta
# snapshot and does not take the lake lock. Its one write, the audit rows saying the request
# was answered, is a blind append to _privacy/audit, which Delta commits beside any other
# writer without conflict (appends never conflict with appends), so it needs no lock either.
WRITES_LAKE = False
log = logging.getLogger("tollgate.access")


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)
    parser.add_argument("--account", required=True, help="the account id, as in accounts.csv")
    parser.add_argument("--out", type=Path, required=True, help="JSON file to write (mode 0600)")


def run(args: argparse.Namespace) -> int:
    key = load_hmac_key(args.config)
    if args.out.exists() and args.out.is_dir():
        raise ConfigError(f"--out {args.out} is a folder; give a file name")
    document = access_report(get_spark("tollgate-access"), Lake(args.lake), key, args.account)
    write_private_json(args.out, document)
    total = sum(table["rows"] for table in document["tables"])
    log.info("access: %d row(s) in %d table(s) written to %s", total, len(document["tables"]), args.out)
    return 0
