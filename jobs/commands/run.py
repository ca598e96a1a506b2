"""`tollgate run`: every stage of the one stage list, in order, for the selected days."""

from __future__ import annotations

import argparse

from jobs.commands.args import add_date_args, add_location_args
from jobs.pipeline.run import run_pipeline

HELP = "the whole pipeline for the selected days (default: every landed day)"


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)
    add_date_args(parser)


def run(args: argparse.Namespace) -> int:
    run_pipeline(args)
    return 0
