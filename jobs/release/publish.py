"""The one way out of the lake: write to exports/.staging/, gate the bytes written, record
the attempt in the ledger, and rename the folder into place only if the gate passed.

An export's attempts wait in one `PendingReleases` until it ends (jobs/release/pending.py: one
ledger commit, then the renames); an export killed before it leaves only staging folders,
which the next export removes (`remove_dead_staging`).

Aggregates (jobs/release/export.py), differentially private releases (jobs/release/dp_export.py)
and subprocessor extracts (jobs/release/extract.py) all go through `publish_release`; a
`ReleaseRequest` carries what differs between them (the rows, the gate, the manifest's
privacy section).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

from expectations.result import GateResult
from jobs.config.recipients import Recipient
from jobs.errors import GateRefused
from jobs.lake.layout import Lake
from jobs.release.ledger import ReleaseRecord, gate_docs_dir
from jobs.release.manifest import (
    MANIFEST_VERSION,
    AggregatePrivacy,
    Column,
    DpPrivacy,
    ExtractPrivacy,
    Manifest,
    describe_files,
)
from jobs.release.pending import PendingReleases, ledger_batch
from jobs.release.verify import sha256_of
from jobs.release.write import write_release_data

STAGING = ".staging"


@dataclass(frozen=True)
class ReleaseRequest:
    """One release to make: what differs between an aggregate and an extract."""

    what: str  # "release" or "extract": how the refusal names it
    recipient: Recipient
    dataset: str
    rows_df: DataFrame  # not yet written
    grain: tuple[str, ...]  # the sort order of the file, and the manifest's grain
    source_delta_versions: dict[str, int]
    policy_sha256: str
    # (the rows as written, the Data Docs folder) -> the gate's verdict on them
    gate: Callable[[DataFrame, Path], GateResult]
    # the rows as written -> the manifest's privacy section (asked only once the gate passed)
    privacy: Callable[[DataFrame], AggregatePrivacy | ExtractPrivacy | DpPrivacy]


class ReleaseRefused(GateRefused):
    """The gate refused one release (exit 3): which one, and the gate's verdict, which names
    checks and columns and never a value."""

    def __init__(self, what: str, recipient: str, dataset: str, release_id: str, gate: GateResult):
        failed = ", ".join(f"{f.column or '(table)'}: {f.expectation}" for f in gate.failures)
        super().__init__(f"{what} {recipient}/{dataset} refused: {failed}")
        self.recipient, self.dataset, self.release_id, self.gate = recipient, dataset, release_id, gate
        # The releases the same export published before this refusal (export_all sets them).
        self.published_before: tuple[Path, ...] = ()


@dataclass(frozen=True)
class ReleaseSlot:
    """When a release is made, and the release and Data Docs folders it will use."""

    created_at: dt.datetime
    final_dir: Path
    docs_dir: Path

    @property
    def release_id(self) -> str:
        return self.final_dir.name


def claim_release_slot(lake: Lake, exports: Path, recipient: str, dataset: str) -> ReleaseSlot:
    """A release id no attempt has used yet, for a caller that needs it before the rows
    exist (a DP release charges its budget under it); otherwise publish_release claims one."""
    created_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    final_dir, docs_dir = free_release_dirs(lake, exports, recipient, dataset, created_at.strftime("%Y%m%dT%H%M%SZ"))
    return ReleaseSlot(created_at, final_dir, docs_dir)


def publish_release(
    spark: SparkSession,
    lake: Lake,
    exports: Path,
    request: ReleaseRequest,
    slot: ReleaseSlot | None = None,
    pending: PendingReleases | None = None,
) -> tuple[Path, Manifest]:
    """Stage, gate and publish one release; the ledger records either way.

    Returns the release folder and its manifest; raises ReleaseRefused (after a `refused`
    ledger row) when the gate refuses, leaving no release and nothing in exports/.staging/.
    With `pending` (an export's), the row and the rename wait for its commit.
    """
    if pending is None:
        with ledger_batch(spark, lake, None) as own:
            return publish_release(spark, lake, exports, request, slot, own)
    recipient, dataset = request.recipient, request.dataset
    slot = slot or claim_release_slot(lake, exports, recipient.name, dataset)
    created_at, final_dir, docs_dir = slot.created_at, slot.final_dir, slot.docs_dir
    attempt = partial(
        ReleaseRecord,
        recipient=recipient.name,
        recipient_kind=recipient.kind,
        dataset=dataset,
        release_id=final_dir.name,
        created_at=created_at,
        source_delta_versions=request.source_delta_versions,
    )
    staging = exports / STAGING / f"{recipient.name}--{dataset}--{final_dir.name}"
    shutil.rmtree(staging, ignore_errors=True)
    sealed = False
    try:
        staged_df = write_release_data(spark, request.rows_df, staging / "data", recipient.format, request.grain)
        gate = request.gate(staged_df, docs_dir)
        _write_json(staging / "gate_report.json", gate.to_dict())
        if not gate.success:
            pending.refused(attempt(status="refused", failures=gate.failures))
            raise ReleaseRefused(request.what, recipient.name, dataset, final_dir.name, gate)
        manifest = Manifest(
            manifest_version=MANIFEST_VERSION,
            recipient=recipient.name,
            recipient_kind=recipient.kind,
            dataset=dataset,
            grain=list(request.grain),
            release_id=final_dir.name,
            created_at=created_at.isoformat().replace("+00:00", "Z"),
            source_delta_versions=request.source_delta_versions,
            row_count=staged_df.count(),
            columns=[Column(name=f.name, type=f.dataType.simpleString()) for f in staged_df.schema.fields],
            files=describe_files(staging, staging / "data"),
            privacy=request.privacy(staged_df),
            gate=gate.to_dict(),
            policy_sha256=request.policy_sha256,
        )
        manifest_sha256 = _seal(staging, manifest)
        published = attempt(status="published", row_count=manifest.row_count, manifest_sha256=manifest_sha256)
        pending.passed(published, staging, final_dir)
        sealed = True
    finally:
        if not sealed:
            shutil.rmtree(staging, ignore_errors=True)
    return final_dir, manifest


def _seal(staging: Path, manifest: Manifest) -> str:
    """Write the manifest and its sha256 and close the folder to others; the manifest's sha256."""
    _write_json(staging / "manifest.json", manifest.as_json())
    manifest_sha256 = sha256_of(staging / "manifest.json")
    (staging / "manifest.json.sha256").write_text(f"{manifest_sha256}  manifest.json\n")
    _restrict(staging)
    return manifest_sha256


def remove_dead_staging(exports: Path) -> int:
    """Remove everything under exports/.staging/ and return how many entries there were.

    Call it only holding the lake lock (jobs/lake/lock.py), as every export command and
    `tollgate run` does, before this process stages anything. A staging folder is alive only
    while the export that owns it runs, and that export holds the lock for its whole run; so
    whatever is there when an export starts under the lock was left by a dead one (killed,
    or its machine lost power mid-write) and nobody will ever finish or rename it. This
    assumes one lake per exports folder, as the command line's defaults and docs have it.
    """
    folder = exports / STAGING
    if not folder.is_dir():
        return 0
    removed = 0
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
        removed += 1
    return removed


def free_release_dirs(lake: Lake, exports: Path, recipient: str, dataset: str, release_id: str) -> tuple[Path, Path]:
    """The release folder and its gate docs folder, under an id neither place has used yet.

    A refused attempt leaves docs but no release, so both places are checked.
    """
    suffix, candidate = 0, release_id
    while (exports / recipient / dataset / candidate).exists() or gate_docs_dir(
        lake, recipient, dataset, candidate
    ).exists():
        suffix += 1
        candidate = f"{release_id}-{suffix}"
    return exports / recipient / dataset / candidate, gate_docs_dir(lake, recipient, dataset, candidate)


def _write_json(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _restrict(folder: Path) -> None:
    """Releases are for their recipient only: no group or world access."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o700 if path.is_dir() else 0o600)
