"""`tollgate`: the command line. One module per command in jobs/commands/ (HELP, configure, run)."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback
from pathlib import Path

from jobs.console.progress import add_log_json_arg, use_json_log
from jobs.errors import (
    EXIT_FAILURE,
    EXIT_GATE_REFUSED,
    EXIT_USAGE,
    ConfigError,
    GateRefused,
)
from jobs.lake.lock import LakeBusy, add_wait_lock_arg, lake_lock

# command -> module; each module defines configure(parser) and run(args) -> int.
COMMANDS = {
    name: f"jobs.commands.{name}"
    for name in (
        "generate",
        "run",
        "ingest",
        "anonymize",
        "aggregate",
        "gate",
        "export",
        "sql",
        "serve",
        "verify",
        "demo",
        "retention",
        "erase",
        "vacuum",
        "access",
        "requests",
        "budget",
    )
}

# Commands that never write the lake or the exports. Every other command, a new one too,
# holds the lake lock (jobs/lake/lock.py) for its whole run and gets --wait-lock, so two writers
# never interleave; a module may also say so itself with WRITES_LAKE = True or False.
READ_ONLY_COMMANDS = frozenset({"generate", "gate", "sql", "serve", "verify", "budget"})

log = logging.getLogger("tollgate")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Every command's parser; or, given `only`, that command's alone: a command imports only
    its own module then (`tollgate sql` answers in under a second; GX alone imports in seconds)."""
    parser = argparse.ArgumentParser(prog="tollgate", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        if only is not None and name != only:
            continue
        module = importlib.import_module(module_name)
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.configure(sub)
        add_log_json_arg(sub)
        if getattr(module, "WRITES_LAKE", name not in READ_ONLY_COMMANDS):
            add_wait_lock_arg(sub)
        sub.set_defaults(handler=module.run)
    return parser


def configure_logging(verbose: bool = False, log_json: Path | None = None) -> None:
    """Tollgate's own messages on stderr. Py4J's debug log echoes query literals (values and
    key pads), so it stays at WARNING whatever the verbosity."""
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    logging.getLogger("tollgate").setLevel(logging.DEBUG if verbose else logging.INFO)
    use_json_log(logging.getLogger("tollgate"), log_json)  # --log-json FILE (jobs/console/progress.py)
    logging.getLogger("py4j").setLevel(logging.WARNING)
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    # GX pins this module's logger at INFO on import; it announces temporary folders.
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)


def _command_named(argv: list[str]) -> str | None:
    """The command argv names (its first word that is not an option), if it is one."""
    word = next((arg for arg in argv if not arg.startswith("-")), None)
    return word if word in COMMANDS else None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(only=_command_named(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    configure_logging(verbose=args.verbose, log_json=getattr(args, "log_json", None))
    try:
        return _run_command(args)
    except LakeBusy as error:
        log.error("%s", error)
        return EXIT_FAILURE
    except ConfigError as error:
        log.error("configuration error: %s", error)
        return EXIT_USAGE
    except GateRefused as error:
        log.error("privacy gate refused: %s", error)
        return EXIT_GATE_REFUSED
    except Exception as error:
        # Spark and Py4J messages can quote record values; log only the error's type.
        log.error("failed: %s (run with -v for the stack trace)", type(error).__name__)
        # Frames only: the exception's message is exactly what may quote a value.
        log.debug("stack trace:\n%s", "".join(traceback.format_tb(error.__traceback__)))
        return EXIT_FAILURE


def _run_command(args: argparse.Namespace) -> int:
    """The command's handler; inside the lake lock if the command takes it (has --wait-lock)."""
    if not hasattr(args, "wait_lock") or getattr(args, "lake", None) is None:
        return args.handler(args)
    with lake_lock(args.lake, args.command, args.wait_lock):
        return args.handler(args)
