"""`tollgate verify`: a recipient's check of a release folder, with no Spark and no lake."""

from __future__ import annotations

import argparse
from pathlib import Path

from jobs.errors import EXIT_FAILURE, EXIT_OK
from jobs.release.verify import verify_release

HELP = "check a release folder: manifest schema, checksums, row count, gate result"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("release", type=Path, help="exports/<recipient>/<dataset>/<release_id>")


def run(args: argparse.Namespace) -> int:
    problems = verify_release(args.release)
    for problem in problems:
        print(f"FAIL {problem}")
    if problems:
        return EXIT_FAILURE
    print(f"OK {args.release}")
    return EXIT_OK
