"""Arguments every stage shares, and the configuration they point at."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import yaml
from pydantic import ValidationError

from jobs.errors import ConfigError
from jobs.session import project_path


def add_location_args(parser: argparse.ArgumentParser) -> None:
    """--landing/--lake/--exports and the configuration files, the same on every command."""
    parser.add_argument("--landing", type=Path, default=Path("data/landing"), help="landing folder")
    parser.add_argument("--lake", type=Path, default=Path("data/lake"), help="Delta lake folder")
    parser.add_argument("--exports", type=Path, default=Path("data/exports"), help="exports folder")
    parser.add_argument(
        "--config", type=Path, default=project_path("conf", "tollgate.yaml"), help="settings file"
    )
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
    parser.add_argument("--date", type=_parse_date, help="one day, YYYY-MM-DD")
    parser.add_argument("--from", dest="date_from", type=_parse_date, help="first day")
    parser.add_argument("--to", dest="date_to", type=_parse_date, help="last day")


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def selected_dates(args: argparse.Namespace, available: list[dt.date]) -> list[dt.date]:
    """The days a run covers, from --date / --from --to, limited to what exists."""
    if args.date and (args.date_from or args.date_to):
        raise ConfigError("give either --date or --from/--to, not both")
    if args.date:
        return [args.date]
    if args.date_from or args.date_to:
        if not (args.date_from and args.date_to):
            raise ConfigError("--from and --to go together")
        if args.date_from > args.date_to:
            raise ConfigError("--from is after --to")
        return [d for d in available if args.date_from <= d <= args.date_to]
    return available


def load_yaml(path: Path, what: str) -> dict:
    """Read a YAML mapping, with a clear error naming the file and line on a typo."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read {what} {path}: {error.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{what} {path}{where} is not valid YAML") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{what} {path} must be a mapping at the top level")
    return data


def yaml_line(text: str, location: tuple) -> int | None:
    """The 1-based line of the YAML node at `location` (keys and list indexes), if found."""
    node = yaml.compose(text)
    line = None
    for step in location:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            match = node.value[step]
        else:
            match = None
        if match is None:
            break
        node, line = match, match.start_mark.line + 1
    return line


def load_model(path: Path, model, what: str):
    """Read a YAML file into a pydantic model; each problem named by key path and line."""
    try:
        return model.model_validate(load_yaml(path, what))
    except ValidationError as error:
        text = path.read_text(encoding="utf-8")
        problems = []
        for problem in error.errors(include_input=False):
            line = yaml_line(text, problem["loc"])
            where = ".".join(str(p) for p in problem["loc"]) + (f" (line {line})" if line else "")
            problems.append(f"{where}: {problem['msg']}")
        raise ConfigError(f"{what} {path}: {'; '.join(problems)}") from None
