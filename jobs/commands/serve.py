"""serve: the gold tables as a SQL endpoint for BI tools (HiveServer2 protocol), with a login.

`tollgate serve` runs until stopped (Ctrl-C or SIGTERM); `tollgate serve --add-user NAME` adds
a login to the password file (or changes its password) and exits. See jobs/analysts/endpoint.py.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path

from jobs.analysts.endpoint import serve
from jobs.analysts.passwords import check_password_file, password_file_path, set_password
from jobs.commands.args import add_location_args
from jobs.errors import EXIT_OK, ConfigError
from jobs.lake.layout import Lake

HELP = "serve the gold tables to BI tools and beeline (HiveServer2 protocol, gold only, with a login)"
log = logging.getLogger("tollgate.serve")


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine)")
    parser.add_argument("--port", type=int, default=10000, help="port (HiveServer2's usual 10000)")
    parser.add_argument(
        "--password-file",
        type=Path,
        help="the logins (mode 0600); default: serve_password_file of the settings file",
    )
    parser.add_argument(
        "--add-user",
        metavar="NAME",
        help="add a login (or change its password; read from standard input) and exit",
    )


def run(args: argparse.Namespace) -> int:
    password_file = args.password_file or password_file_path(args.config)
    if args.add_user:
        set_password(password_file, args.add_user, _read_password())
        log.info("login %s saved in %s", args.add_user, password_file)
        return EXIT_OK
    users = check_password_file(password_file)
    log.info("%d login(s) in %s", len(users), password_file)
    serve(Lake(args.lake), args.host, args.port, password_file)
    return EXIT_OK


def _read_password() -> str:
    """From a terminal, asked twice without echo; from a pipe, its first line."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("password: ")
    if getpass.getpass("again: ") != password:
        raise ConfigError("the two passwords differ")
    return password
