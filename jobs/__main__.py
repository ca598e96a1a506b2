"""The one entry point besides the `tollgate` script: `python -m jobs COMMAND ...`, and
`spark-submit jobs/__main__.py COMMAND ...` on a cluster (the zip of `make package` on
--py-files brings the packages along)."""

import os
import sys

if __package__ in (None, ""):
    # Run as a file (spark-submit): Python put jobs/ itself first on sys.path, where its
    # subpackages (config, lake, ...) could shadow libraries of the same name.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != here]

from jobs.commands.cli import main

if __name__ == "__main__":
    sys.exit(main())
