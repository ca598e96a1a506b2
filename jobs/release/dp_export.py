"""export for a `privacy: dp` recipient: its DP dataset, charged to its budget, then released
like any aggregate (staging, the gate on the bytes written, manifest, ledger, rename).

The release id is claimed first, because the budget ledger charges the release under it
before any noise is drawn (jobs/release/dp.py). The window ends with `last_day`: the last
day of the run when the caller knows it, else the release's own UTC date, never a date read
from the data (a public grid must be known before any row is read).

A release the budget cannot pay for is refused like one the gate refuses: ReleaseRefused
(exit 3), no folder under exports/ and no Data Docs, a `refused` row in the release ledger
whose one failure is `dp_budget_exhausted` (the figures are in the budget ledger, never here).
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from pyspark.sql import SparkSession

from expectations.gate import validate_table
from expectations.result import GateFailure, GateResult
from jobs.config.policy import Policy
from jobs.config.recipients import Recipient
from jobs.lake.layout import Lake
from jobs.release.dp import BudgetExhausted, dp_release_source
from jobs.release.ledger import ReleaseRecord
from jobs.release.manifest import DpPrivacy
from jobs.release.pending import PendingReleases, ledger_batch
from jobs.release.publish import (
    ReleaseRefused,
    ReleaseRequest,
    ReleaseSlot,
    claim_release_slot,
    publish_release,
)

log = logging.getLogger("tollgate.export")
BUDGET_EXHAUSTED = "dp_budget_exhausted"


def export_dp_release(
    spark: SparkSession,
    lake: Lake,
    exports: Path,
    recipient: Recipient,
    dataset: str,
    policy: Policy,
    *,
    master_key: bytes | None = None,
    last_day: dt.date | None = None,
    pending: PendingReleases | None = None,
) -> Path:
    """Charge, noise, gate and publish one DP release; the ledger records either way.

    Returns the release folder; raises ReleaseRefused (after a `refused` ledger row) when the
    budget cannot pay for it or the gate refuses it, leaving no release behind. With
    `pending` (an export's), the ledger row and the rename wait for its commit.
    """
    slot = claim_release_slot(lake, exports, recipient.name, dataset)
    try:
        source = dp_release_source(
            spark, lake, recipient, dataset, slot.release_id, last_day or slot.created_at.date(), master_key
        )
    except BudgetExhausted as refusal:
        raise _refused_for_budget(spark, lake, recipient, dataset, slot, refusal, pending) from None
    request = ReleaseRequest(
        what="release",
        recipient=recipient,
        dataset=dataset,
        rows_df=source.rows_df,
        grain=source.contract.grain,
        source_delta_versions=source.delta_versions,
        policy_sha256=policy.sha256,
        # No k: noise, not suppression, protects the cells. The PII, column, type, domain and
        # range checks run as for every release.
        gate=lambda staged_df, docs_dir: validate_table(
            staged_df, suite_name=f"{recipient.name}.{dataset}", contract=source.contract, k=None, docs_dir=docs_dir
        ),
        privacy=lambda _staged_df: DpPrivacy(
            regions=sorted(recipient.regions), consent_rule=source.consent["rule"], dp=source.section
        ),
    )
    final_dir, manifest = publish_release(spark, lake, exports, request, slot, pending)
    log.info(
        "export %s/%s: DP release %s staged, %d cells, epsilon %.3g at delta %.1e, gate passed",
        recipient.name,
        dataset,
        final_dir,
        manifest.row_count,
        source.section["release"]["epsilon_at_delta"],
        source.section["release"]["delta"],
    )
    return final_dir


def _refused_for_budget(
    spark: SparkSession,
    lake: Lake,
    recipient: Recipient,
    dataset: str,
    slot: ReleaseSlot,
    refusal: BudgetExhausted,
    pending: PendingReleases | None,
) -> ReleaseRefused:
    """Record the refusal in the release ledger and word it as a gate refusal: one table-level
    check, `dp_budget_exhausted`, that names no value."""
    failure = GateFailure(column=None, expectation=BUDGET_EXHAUSTED)
    record = ReleaseRecord(
        recipient=recipient.name,
        recipient_kind=recipient.kind,
        dataset=dataset,
        release_id=slot.release_id,
        status="refused",
        created_at=slot.created_at,
        source_delta_versions=refusal.delta_versions,
        failures=(failure,),
    )
    with ledger_batch(spark, lake, pending) as batch:
        batch.refused(record)
    # The figures (cost, spent, total) are budget arithmetic, not data: the operator sees them.
    log.warning("%s; `tollgate budget` shows what is left", refusal)
    verdict = GateResult(
        suite=f"{recipient.name}.{dataset}.budget", success=False, expectations_run=1, failures=(failure,)
    )
    return ReleaseRefused("release", recipient.name, dataset, slot.release_id, verdict)
