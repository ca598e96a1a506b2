"""GX Core suites and the privacy gates (see docs/architecture.md, "Known traps")."""

import os

# Set before any module here imports GX: a gate must never try to reach the network. (GX
# 1.24 has no analytics code left, but older 1.x releases read this.) Progress bars are a
# context setting (expectations/suite.py): GX passes tqdm an explicit `disable`, which
# TQDM_DISABLE cannot override.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
