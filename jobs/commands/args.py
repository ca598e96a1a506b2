"""Arguments every command shares: where the landing folder, lake, exports and configuration are."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from jobs.lake.session import project_path


def add_location_args(parser: argparse.ArgumentParser) -> None:
    """--landing/--lake/--exports and the configuration files, the same on every command."""
    parser.add_argument("--landing", type=Path, default=Path("data/landing"), help="landing folder")
    parser.add_argument("--lake", type=Path, default=Path("data/lake"), help="Delta lake folder")
    parser.add_argument("--exports", type=Path, default=Path("data/exports"), help="exports folder")
    parser.add_argument("--config", type=Path, default=project_path("conf", "tollgate.yaml"), help="settings file")
    parser.add_argument(
        "--policy",
        type=Path,
        default=project_path("conf", "privacy-policy.yaml"),
        help="privacy policy file",
    )
    parser.add_argument(
        "--recipients",
        type=Path,
        default=project_path("conf", "recipients.yaml"),
        help="recipients file",
    )


def add_date_args(parser: argparse.ArgumentParser) -> None:
    """--date D, or --from D --to D; neither means every day found in the landing folder."""
    parser.add_argument("--date", type=parse_date, help="one day, YYYY-MM-DD")
    parser.add_argument("--from", dest="date_from", type=parse_date, help="first day")
    parser.add_argument("--to", dest="date_to", type=parse_date, help="last day")


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
