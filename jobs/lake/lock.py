"""One writer at a time per lake: an exclusive advisory lock on `<lake>/_lock`.

Every command that writes the lake or exports takes it for its whole run (jobs/cli.py
decides which). It is `flock(2)` on a file of its own, so the kernel frees it when the
holder's process ends in any way, SIGKILL included: a lock is never stale and nothing
ever cleans one up. The file's body says who holds it (pid, command, start time in UTC;
nothing personal), so a refused command can say whom it is waiting for.

The lock covers one machine (one kernel). Several drivers on different machines that
share a lake over a network file system need their scheduler to serialize them.

Example:
    with lake_lock(Path("data/lake"), "run", wait_s=0):
        ...  # another `tollgate run` on the same lake now fails with LakeBusy
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

from jobs.lake.layout import Lake

POLL_S = 0.2
log = logging.getLogger("tollgate.lock")


class LakeBusy(Exception):
    """Another tollgate command holds the lake lock (exit 1: nothing was wrong with the
    command line, and the same command succeeds once the other one has finished)."""


def add_wait_lock_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wait-lock",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="if another tollgate command is writing the same lake, wait up to this long "
        "for it to finish (default 0: fail at once, exit 1)",
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError("--wait-lock must be 0 or more seconds")
    return value


@contextlib.contextmanager
def lake_lock(lake: Path, command: str, wait_s: float = 0.0) -> Iterator[Path]:
    """Hold the lake's lock while the block runs; raise LakeBusy if it stays taken `wait_s`.

    A lake folder that did not exist is created for the lock file, and removed again (with
    the file) if the block left nothing else in it, so a command refused on its
    configuration leaves no trace.
    """
    path = Lake(Path(lake)).lock_file
    created = not path.parent.exists()
    fd = _acquire(path, command, wait_s)
    try:
        _write_holder(fd, command)
        yield path
    finally:
        # Only the holder unlinks, and only while still holding the lock; a waiter that
        # then locks the unlinked file notices (see _acquire) and starts again.
        if created and [p.name for p in path.parent.iterdir()] == [path.name]:
            path.unlink()
            with contextlib.suppress(OSError):  # a waiter has just created it again
                path.parent.rmdir()
        os.close(fd)  # releases the lock


def _acquire(path: Path, command: str, wait_s: float) -> int:
    deadline = time.monotonic() + wait_s
    announced = False
    while True:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except FileNotFoundError:  # the folder's creator removed it just now
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = describe_holder(path)
            if time.monotonic() >= deadline:
                waited = f" after waiting {wait_s:g} s" if wait_s else ""
                raise LakeBusy(
                    f"{holder} holds the lake lock {path}{waited}; `{command}` did not start. "
                    "Run it again when that command has finished, or pass --wait-lock SECONDS to wait"
                ) from None
            if not announced:
                log.info("%s holds the lake lock %s; waiting up to %g s", holder, path, wait_s)
                announced = True
            time.sleep(min(POLL_S, max(0.0, deadline - time.monotonic())))
            continue
        if _still_linked(fd, path):
            return fd
        os.close(fd)  # locked a file its holder had just removed: take the new one


def _still_linked(fd: int, path: Path) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def _write_holder(fd: int, command: str) -> None:
    since = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    body = json.dumps({"pid": os.getpid(), "command": command, "since": since}) + "\n"
    os.ftruncate(fd, 0)
    os.pwrite(fd, body.encode(), 0)
    os.fsync(fd)


def describe_holder(path: Path) -> str:
    """'another tollgate command (pid 123, `run`, since 08:01:02 UTC)', from the file's body;
    less detail if the holder has not written it yet."""
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
        since = dt.datetime.fromisoformat(holder["since"]).strftime("%H:%M:%S UTC")
        return f"another tollgate command (pid {int(holder['pid'])}, `{holder['command']}`, since {since})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another tollgate command"
