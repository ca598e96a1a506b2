"""export: gold -> exports/<recipient>/<dataset>/<release_id>/, only through the privacy gate.

A release is written to exports/.staging/ (Parquet, or CSV with spreadsheet formulas
neutralised), gated on exactly the bytes written, and renamed into place in one step; a
refused release leaves nothing but the refusal (exit 3). Every attempt gets a row in the
release ledger and the gate's Data Docs under <lake>/_gate_docs/ (jobs/ledger.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from functools import partial
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from expectations.gate import validate_table
from jobs.config.policy import Policy
from jobs.config.recipients import Recipient
from jobs.config.subprocessors import (
    EXTRACT_DATASETS,
    check_extract_recipients,
)
from jobs.lake.layout import Lake
from jobs.release.audience import ReleaseSource, release_source
from jobs.release.extract import export_extract
from jobs.release.ledger import ReleaseRecord
from jobs.release.manifest import manifest_fields
from jobs.release.publish import (
    free_release_dirs,
    publish,
    refuse_unless_passed,
    write_release_data,
)
from transforms.contracts import CONTRACTS, DatasetContract

log = logging.getLogger("tollgate.export")


def export_all(
    spark: SparkSession,
    lake: Lake,
    exports: Path,
    recipients: list[Recipient],
    policy: Policy,
    *,
    master_key: bytes | None = None,
) -> list[Path]:
    """Every dataset of every recipient; stops at the first refusal (GateRefused).

    `master_key` keys subprocessor extracts (default: the key of conf/tollgate.yaml).
    """
    check_extract_recipients(policy.subprocessors, recipients)
    return [
        export_release(spark, lake, exports, recipient, dataset, policy, master_key=master_key)
        for recipient in recipients
        for dataset in recipient.datasets
    ]


def export_release(
    spark: SparkSession,
    lake: Lake,
    exports: Path,
    recipient: Recipient,
    dataset: str,
    policy: Policy,
    *,
    master_key: bytes | None = None,
) -> Path:
    """Gate and publish one release of `dataset` for `recipient`; the ledger records either way.

    Returns the release folder; raises GateRefused (after a `refused` ledger row) when the gate
    refuses, leaving no release and nothing in exports/.staging/.
    """
    if dataset in EXTRACT_DATASETS:  # a subprocessor's row-level extract, same release steps
        return export_extract(spark, lake, exports, recipient, dataset, policy, master_key)
    contract = CONTRACTS[dataset]
    k = max(recipient.k or policy.k, policy.k_floor)
    source = release_source(spark, lake, recipient.kind, dataset, k, master_key)
    rows_df = source.rows_df
    release_df = rows_df.where(F.col("region").isin(*recipient.regions)) if "region" in contract.columns else rows_df
    created_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    final_dir, docs_dir = free_release_dirs(
        lake, exports, recipient.name, dataset, created_at.strftime("%Y%m%dT%H%M%SZ")
    )
    attempt = partial(
        ReleaseRecord,
        recipient=recipient.name,
        recipient_kind=recipient.kind,
        dataset=dataset,
        release_id=final_dir.name,
        created_at=created_at,
        source_delta_versions=source.delta_versions,
    )
    staging = exports / ".staging" / f"{recipient.name}--{dataset}--{final_dir.name}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staged_df = write_release_data(spark, release_df, staging / "data", recipient.format, contract.grain)
        gate = validate_table(
            staged_df, suite_name=f"{recipient.name}.{dataset}", contract=contract, k=k, docs_dir=docs_dir
        )
        refuse_unless_passed(spark, lake, staging, gate, attempt, f"release {recipient.name}/{dataset}")
        manifest = _manifest(
            recipient,
            dataset,
            contract,
            final_dir.name,
            created_at,
            source,
            staged_df,
            staging,
            k,
            policy,
            gate.to_dict(),
        )
        publish(spark, lake, staging, final_dir, manifest, attempt)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info(
        "export %s/%s: release %s, %d rows, gate passed", recipient.name, dataset, final_dir, manifest["row_count"]
    )
    return final_dir


def _manifest(
    recipient: Recipient,
    dataset: str,
    contract: DatasetContract,
    release_id: str,
    created_at: dt.datetime,
    source: ReleaseSource,
    staged_df: DataFrame,
    staging: Path,
    k: int,
    policy: Policy,
    gate_report: dict,
) -> dict:
    return {
        **manifest_fields(
            recipient, dataset, contract.grain, release_id, created_at, source.delta_versions, staged_df, staging
        ),
        "privacy": {
            "k": k,
            "k_floor": policy.k_floor,
            "small_cells": f"cells with {contract.k_column} < k are not published",
            "regions": sorted(recipient.regions),
            # Do Not Sell (sale) and marketing consent (advertising): accounts left out.
            "consent": source.consent,
        },
        "gate": gate_report,
        "policy_sha256": policy.sha256,
    }
