"""What every release's manifest says, aggregate or extract."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pyspark.sql import DataFrame

from jobs.config.recipients import Recipient
from jobs.release.verify import sha256_of

MANIFEST_VERSION = 1


def manifest_fields(
    recipient: Recipient,
    dataset: str,
    grain,
    release_id: str,
    created_at: dt.datetime,
    versions: dict[str, int],
    staged_df: DataFrame,
    staging: Path,
) -> dict:
    """What every manifest says, aggregate or extract: who, what, when, from which Delta
    versions, and the rows, columns and files as written to the staging folder."""
    return {
        "manifest_version": MANIFEST_VERSION,
        "recipient": recipient.name,
        "recipient_kind": recipient.kind,
        "dataset": dataset,
        "grain": list(grain),
        "release_id": release_id,
        "created_at": created_at.isoformat().replace("+00:00", "Z"),
        "source_delta_versions": versions,
        "row_count": staged_df.count(),
        "columns": [{"name": f.name, "type": f.dataType.simpleString()} for f in staged_df.schema.fields],
        "files": _describe_files(staging, staging / "data"),
    }


def _describe_files(root: Path, data_dir: Path) -> list[dict]:
    """Path, sha256 and size of every data file (only the moved part files are in data/)."""
    return [
        {"path": str(path.relative_to(root)), "sha256": sha256_of(path), "bytes": path.stat().st_size}
        for path in sorted(data_dir.iterdir())
    ]
