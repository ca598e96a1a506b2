"""Where every table lives under the lake folder, and small Delta helpers jobs share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession


@dataclass(frozen=True)
class Lake:
    """The lake's layout: bronze (PII zone), silver (pseudonymized), gold (aggregates)."""

    root: Path

    def table(self, layer: str, name: str) -> str:
        return str(self.root / layer / name)

    @property
    def bronze_cdr(self) -> str:
        return self.table("bronze", "cdr_legs")

    @property
    def bronze_accounts(self) -> str:
        return self.table("bronze", "accounts")

    @property
    def bronze_usage(self) -> str:
        return self.table("bronze", "usage_log")

    @property
    def bronze_billing(self) -> str:
        """One row per card transaction (card numbers as received: PII zone)."""
        return self.table("bronze", "billing")

    @property
    def quarantine(self) -> str:
        return self.table("bronze", "quarantine")

    @property
    def ingest_counts(self) -> str:
        return self.table("bronze", "ingest_file_counts")

    @property
    def privacy_requests(self) -> str:
        """Grain: one row per privacy request; an erased account's only as a keyed hash."""
        return self.table("bronze", "privacy_requests")

    @property
    def privacy_state(self) -> str:
        """Grain: one row per account: do_not_sell, marketing_consent, is_minor (history: Delta)."""
        return self.table("bronze", "account_privacy_state")

    @property
    def suppression(self) -> str:
        """Grain: one row per identifier of an erased account, as a keyed hash; ingest applies it."""
        return self.table("_privacy", "suppression")

    @property
    def privacy_audit(self) -> str:
        """Grain: one row per (processed request, table): rows deleted or reported."""
        return self.table("_privacy", "audit")

    @property
    def privacy_queue(self) -> str:
        """Grain: one row per account that needs a privacy officer (minors), by keyed hash."""
        return self.table("_privacy", "queue")

    @property
    def silver_cdr(self) -> str:
        return self.table("silver", "cdr_legs")

    @property
    def silver_web(self) -> str:
        return self.table("silver", "web_requests")

    def gold(self, dataset: str) -> str:
        return self.table("gold", dataset)


def is_delta(spark: SparkSession, path: str) -> bool:
    return DeltaTable.isDeltaTable(spark, path)


def delta_version(spark: SparkSession, path: str) -> int:
    """The current version of a Delta table (recorded in export manifests)."""
    return DeltaTable.forPath(spark, path).history(1).select("version").first()[0]


def replace_partitions(df: DataFrame, path: str, condition: str, partition_by: list[str]) -> None:
    """Atomically replace the rows matching `condition` with `df` (one Delta transaction).

    Re-running a day replaces exactly that day, which makes every stage idempotent.
    """
    writer = df.write.format("delta").option("mergeSchema", "false")
    if Path(path).exists():
        writer.mode("overwrite").option("replaceWhere", condition).save(path)
    else:
        writer.mode("overwrite").partitionBy(*partition_by).save(path)


def days_condition(days: list[dt.date] | None) -> str:
    """A Delta predicate on `landing_date` for the given days (None: the undated snapshot)."""
    if days is None:
        return "landing_date IS NULL"
    if not days:
        return "FALSE"
    listed = ", ".join(f"DATE'{day.isoformat()}'" for day in days)
    return f"landing_date IN ({listed})"
