"""A process that holds a lake's lock the way a running `tollgate run` does, without a JVM."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HOLD = (
    "import sys; from pathlib import Path; from jobs.lake.lock import lake_lock\n"
    "with lake_lock(Path(sys.argv[1]), 'run'):\n    print('held', flush=True); sys.stdin.read()"
)


def holding_the_lock(lake: Path) -> subprocess.Popen:
    """A plain Python process that holds the lake lock as `run` until fed EOF or killed."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lake)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline() == "held\n"
    return process
