"""The release ledger: one Delta row per export attempt, published or refused; no values.

Grain: one row per (recipient, dataset, release_id) attempt. The table lives at
`<lake>/_ledger/releases`; the attempts of one export are appended in one Delta transaction
(jobs/release/pending.py `PendingReleases`), so the ledger's history is the audit trail a
privacy officer reads, one version per export. Gate failures are named by
column and check, exactly as the gate reports them; no data value is ever written here.
The gate's Data Docs for the same attempt are under `<lake>/_gate_docs/` (`gate_docs_dir`).

Example:
    record_releases(spark, lake, [ReleaseRecord(..., status="refused", failures=gate.failures)])
    read_ledger(spark, lake).where("status = 'refused'").show()
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import (
    ArrayType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from jobs.lake.frames import local_frame
from jobs.lake.layout import Lake

if TYPE_CHECKING:
    from expectations.gate import GateFailure

LEDGER_SCHEMA = StructType(
    [
        StructField("recipient", StringType(), nullable=False),
        StructField("recipient_kind", StringType(), nullable=False),
        StructField("dataset", StringType(), nullable=False),
        StructField("release_id", StringType(), nullable=False),
        StructField("status", StringType(), nullable=False),  # published | refused
        StructField("created_at", TimestampType(), nullable=False),
        StructField("source_delta_versions", StringType(), nullable=False),  # JSON object
        StructField("row_count", LongType(), nullable=True),  # published releases only
        StructField("manifest_sha256", StringType(), nullable=True),  # published releases only
        StructField(
            "failures",
            ArrayType(
                StructType(
                    [
                        StructField("column", StringType(), nullable=True),
                        StructField("expectation", StringType(), nullable=False),
                    ]
                ),
                containsNull=False,
            ),
            nullable=False,
        ),
    ]
)


@dataclass(frozen=True)
class ReleaseRecord:
    """One export attempt as the ledger records it."""

    recipient: str
    recipient_kind: str
    dataset: str
    release_id: str
    status: Literal["published", "refused"]
    created_at: dt.datetime
    source_delta_versions: dict[str, int]
    row_count: int | None = None
    manifest_sha256: str | None = None
    failures: tuple[GateFailure, ...] = field(default_factory=tuple)

    def as_row(self) -> tuple:
        return (
            self.recipient,
            self.recipient_kind,
            self.dataset,
            self.release_id,
            self.status,
            self.created_at,
            json.dumps(self.source_delta_versions, sort_keys=True),
            self.row_count,
            self.manifest_sha256,
            [(failure.column, failure.expectation) for failure in self.failures],
        )


def ledger_path(lake: Lake) -> str:
    return lake.ledger


def gate_docs_dir(lake: Lake, recipient: str, dataset: str, release_id: str) -> Path:
    """Where the gate's Data Docs for one export attempt go (beside the ledger, not in exports)."""
    return lake.gate_docs(recipient, dataset, release_id)


def record_releases(spark: SparkSession, lake: Lake, records: Sequence[ReleaseRecord]) -> None:
    """Append attempts to the ledger in one Delta transaction (the first creates the table)."""
    unknown = sorted({record.status for record in records} - {"published", "refused"})
    if unknown:
        raise ValueError(f"unknown ledger status {unknown[0]!r}")
    rows_df = local_frame(spark, [record.as_row() for record in records], LEDGER_SCHEMA)
    # Blind appends: concurrent exports to other recipients never conflict in Delta.
    rows_df.write.format("delta").mode("append").save(ledger_path(lake))


def read_ledger(spark: SparkSession, lake: Lake) -> DataFrame:
    return spark.read.format("delta").load(ledger_path(lake))
