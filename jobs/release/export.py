"""export: gold -> exports/<recipient>/<dataset>/<release_id>/, only through the privacy gate.

A release is written to exports/.staging/ (Parquet, or CSV with spreadsheet formulas
neutralised), gated on exactly the bytes written, and renamed into place in one step; a
refused release leaves nothing but the refusal (exit 3). Every attempt gets a row in the
release ledger and the gate's Data Docs under <lake>/_gate_docs/ (jobs/release/ledger.py). The
steps themselves are jobs/release/publish.py's, shared with subprocessor extracts and with the
differentially private releases of `privacy: dp` recipients (jobs/release/dp_export.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from expectations.gate import validate_table
from jobs.config.policy import Policy
from jobs.config.recipients import Recipient
from jobs.config.subprocessors import (
    EXTRACT_DATASETS,
    check_extract_recipients,
)
from jobs.lake.layout import Lake
from jobs.release.audience import SharedSources, release_source
from jobs.release.dp_export import export_dp_release
from jobs.release.extract import export_extract
from jobs.release.manifest import AggregatePrivacy
from jobs.release.pending import PendingReleases, ledger_batch
from jobs.release.publish import (
    ReleaseRefused,
    ReleaseRequest,
    publish_release,
    remove_dead_staging,
)
from transforms.contracts import CONTRACTS

log = logging.getLogger("tollgate.export")


def export_all(
    spark: SparkSession,
    lake: Lake,
    exports: Path,
    recipients: list[Recipient],
    policy: Policy,
    *,
    master_key: bytes | None = None,
    last_day: dt.date | None = None,
) -> list[Path]:
    """Every dataset of every recipient; stops at the first refusal (ReleaseRefused, which
    names the releases published before it). All attempts reach the ledger in one commit at
    the end (or at the refusal), and only then are the passed releases renamed into place.

    `master_key` keys subprocessor extracts and Do Not Sell (required for them: ConfigError).
    `last_day` (the run's last day) ends the window of DP releases; without it, their release
    date does. Run it holding the lake lock: it first removes what dead exports left in
    exports/.staging/.
    """
    check_extract_recipients(policy.subprocessors, recipients)
    removed = remove_dead_staging(exports)
    if removed:
        log.info("export: removed %d staging folder(s) left by exports that died", removed)
    published: list[Path] = []
    shared = SharedSources()  # rows that several releases are made of, computed once
    with ledger_batch(spark, lake, None) as pending:  # one ledger commit for the whole export
        try:
            for recipient in recipients:
                for dataset in recipient.datasets:
                    published.append(
                        export_release(
                            spark,
                            lake,
                            exports,
                            recipient,
                            dataset,
                            policy,
                            master_key=master_key,
                            last_day=last_day,
                            shared=shared,
                            pending=pending,
                        )
                    )
        except ReleaseRefused as refusal:
            refusal.published_before = tuple(published)
            raise
        finally:
            shared.release()
    return published


def export_release(
    spark: SparkSession,
    lake: Lake,
    exports: Path,
    recipient: Recipient,
    dataset: str,
    policy: Policy,
    *,
    master_key: bytes | None = None,
    last_day: dt.date | None = None,
    shared: SharedSources | None = None,
    pending: PendingReleases | None = None,
) -> Path:
    """Gate and publish one release of `dataset` for `recipient`; the ledger records either way.

    Returns the release folder; raises ReleaseRefused (after a `refused` ledger row) when the
    gate refuses (or a DP recipient's budget does), leaving no release and nothing in
    exports/.staging/. `shared` (export_all's) lets releases reuse rows another computed;
    with `pending` (export_all's), the ledger row and the rename wait for its commit.
    """
    if dataset in EXTRACT_DATASETS:  # a subprocessor's row-level extract, same release steps
        return export_extract(spark, lake, exports, recipient, dataset, policy, master_key, pending)
    if recipient.privacy == "dp":  # noise within a budget instead of suppression, same steps
        return export_dp_release(
            spark, lake, exports, recipient, dataset, policy, master_key=master_key, last_day=last_day, pending=pending
        )
    contract = CONTRACTS[dataset]
    k = max(recipient.k or policy.k, policy.k_floor)
    source = release_source(spark, lake, recipient.kind, dataset, k, master_key, shared)
    rows_df = source.rows_df
    release_df = rows_df.where(F.col("region").isin(*recipient.regions)) if "region" in contract.columns else rows_df
    privacy = AggregatePrivacy(
        k=k,
        k_floor=policy.k_floor,
        small_cells=f"cells with {contract.k_column} < k are not published",
        regions=sorted(recipient.regions),
        # Do Not Sell (sale) and marketing consent (advertising): accounts left out.
        consent=source.consent,
    )
    request = ReleaseRequest(
        what="release",
        recipient=recipient,
        dataset=dataset,
        rows_df=release_df,
        grain=contract.grain,
        source_delta_versions=source.delta_versions,
        policy_sha256=policy.sha256,
        gate=lambda staged_df, docs_dir: validate_table(
            staged_df, suite_name=f"{recipient.name}.{dataset}", contract=contract, k=k, docs_dir=docs_dir
        ),
        privacy=lambda _staged_df: privacy,
    )
    final_dir, manifest = publish_release(spark, lake, exports, request, pending=pending)
    log.info(
        "export %s/%s: release %s staged, %d rows, gate passed", recipient.name, dataset, final_dir, manifest.row_count
    )
    return final_dir
