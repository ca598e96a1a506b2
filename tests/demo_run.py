"""One small `tollgate -v demo`, run once per session: the `demo_run` fixture (tests/conftest.py).
test_demo_logs.py checks what it printed and logged; test_notebook.py reads its lake and run
report (the demo runs what `tollgate run` runs, report included)."""

from __future__ import annotations

import contextlib
import io
import logging
from pathlib import Path

import pytest

from jobs.commands.cli import main
from tests.log_capture import Messages

# Two generated days: the landing `generate_landing(days=2, accounts=300, legs_per_day=2000, seed=11)` writes.
SIZE = ("--days=2", "--accounts=300", "--legs-per-day=2000", "--seed=11")


def run_demo(root: Path) -> tuple[Path, int, str]:
    """`tollgate -v demo` into `root`, with no TOLLGATE_HMAC_KEY and a key file of its own to
    create: (root, exit code, all it printed on stdout and stderr and every record any logger
    sent to the root logger, DEBUG and up, as caplog would have caught them)."""
    config = root / "tollgate.yaml"
    config.write_text(f"hmac_key_file: {root / 'secrets' / 'hmac.key'}\n")
    where = [f"--{name}={root / name}" for name in ("landing", "lake", "exports")]
    records = Messages(logging.DEBUG)
    tollgate = logging.getLogger("tollgate")
    level = tollgate.level
    out, err = io.StringIO(), io.StringIO()
    logging.getLogger().addHandler(records)
    try:
        with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            patch.delenv("TOLLGATE_HMAC_KEY", raising=False)
            code = main(["-v", "demo", *where, f"--config={config}", *SIZE])
    finally:
        logging.getLogger().removeHandler(records)
        tollgate.setLevel(level)  # -v set it to DEBUG for this run only
    return root, code, out.getvalue() + err.getvalue() + "\n".join(records.messages)
