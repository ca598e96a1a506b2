"""Where the real files from other people's software live (../shared/data beside the clone)."""

import os
from pathlib import Path

SHARED_DATA = Path(os.environ.get("TOLLGATE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
