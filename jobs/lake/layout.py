"""Where everything lives under the lake folder, and small Delta helpers jobs share.

The lake's layout is this file's alone: a table, the ledger, the gate's Data Docs, the run
reports and the lock file are reached through `Lake`, never by joining path parts elsewhere,
so moving one is a change here.

A table has one canonical name, `<layer>/<table>`: the name manifests
(`source_delta_versions`), the privacy audit, access reports and erasure counts give it, and
today also its folder under the lake (`Lake.path` is the one place that says so). The privacy
policy's `retention:` section writes the same table `<layer>.<table>` (`policy_key`,
`table_named`); code reaches it by a `Lake` property (`lake.bronze_cdr`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession

# Bronze: typed as received, the PII zone.
BRONZE_CDR = "bronze/cdr_legs"
BRONZE_ACCOUNTS = "bronze/accounts"
BRONZE_USAGE = "bronze/usage_log"
BRONZE_BILLING = "bronze/billing"
QUARANTINE = "bronze/quarantine"
INGEST_COUNTS = "bronze/ingest_file_counts"
PRIVACY_REQUESTS = "bronze/privacy_requests"
PRIVACY_STATE = "bronze/account_privacy_state"
# Privacy bookkeeping: keyed hashes and counts only.
SUPPRESSION = "_privacy/suppression"
PRIVACY_AUDIT = "_privacy/audit"
PRIVACY_QUEUE = "_privacy/queue"
# Silver: identifiers dropped or pseudonymized.
SILVER_CDR = "silver/cdr_legs"
SILVER_WEB = "silver/web_requests"
# Gold (one table per dataset, `gold/<dataset>`) and the release ledger: no identifiers.
GOLD = "gold"
LEDGER = "_ledger/releases"
DP_BUDGET = "_ledger/dp_budget"  # DP budget balances and attempts (jobs/release/budget.py)
TABLES = (
    BRONZE_CDR,
    BRONZE_ACCOUNTS,
    BRONZE_USAGE,
    BRONZE_BILLING,
    QUARANTINE,
    INGEST_COUNTS,
    PRIVACY_REQUESTS,
    PRIVACY_STATE,
    SUPPRESSION,
    PRIVACY_AUDIT,
    PRIVACY_QUEUE,
    SILVER_CDR,
    SILVER_WEB,
    LEDGER,
    DP_BUDGET,
)
# Files and folders beside the tables.
GATE_DOCS = "_gate_docs"  # <recipient>/<dataset>/<release_id>/index.html
REPORTS = "_reports"  # run-<UTC time>.html
LOCK = "_lock"


def gold_table(dataset: str) -> str:
    """The canonical name of a gold dataset's table: `gold/usage_by_time_of_day`."""
    return f"{GOLD}/{dataset}"


def policy_key(table: str) -> str:
    """The name the policy's `retention:` section gives a table: `bronze.cdr_legs`."""
    return table.replace("/", ".")


def table_named(name: str) -> str:
    """The canonical name of a table named either way (`bronze.cdr_legs`, `bronze/cdr_legs`)."""
    table = name.replace(".", "/")
    if table not in TABLES and not table.startswith(f"{GOLD}/"):
        raise ValueError(f"no lake table is named {name!r}")
    return table


@dataclass(frozen=True)
class Lake:
    """The lake's layout: bronze (PII zone), silver (pseudonymized), gold (aggregates)."""

    root: Path

    def path(self, table: str) -> str:
        """Where the table of this canonical name lives (a string, as Spark and Delta take it)."""
        return str(self.root / table)

    @property
    def bronze_cdr(self) -> str:
        return self.path(BRONZE_CDR)

    @property
    def bronze_accounts(self) -> str:
        return self.path(BRONZE_ACCOUNTS)

    @property
    def bronze_usage(self) -> str:
        return self.path(BRONZE_USAGE)

    @property
    def bronze_billing(self) -> str:
        """One row per card transaction (card numbers as received: PII zone)."""
        return self.path(BRONZE_BILLING)

    @property
    def quarantine(self) -> str:
        return self.path(QUARANTINE)

    @property
    def ingest_counts(self) -> str:
        return self.path(INGEST_COUNTS)

    @property
    def privacy_requests(self) -> str:
        """Grain: one row per privacy request; an erased account's only as a keyed hash."""
        return self.path(PRIVACY_REQUESTS)

    @property
    def privacy_state(self) -> str:
        """Grain: one row per account: do_not_sell, marketing_consent, is_minor (history: Delta)."""
        return self.path(PRIVACY_STATE)

    @property
    def suppression(self) -> str:
        """Grain: one row per identifier of an erased account, as a keyed hash; ingest applies it."""
        return self.path(SUPPRESSION)

    @property
    def privacy_audit(self) -> str:
        """Grain: one row per (processed request, table): rows deleted or reported."""
        return self.path(PRIVACY_AUDIT)

    @property
    def privacy_queue(self) -> str:
        """Grain: one row per account that needs a privacy officer (minors), by keyed hash."""
        return self.path(PRIVACY_QUEUE)

    @property
    def silver_cdr(self) -> str:
        return self.path(SILVER_CDR)

    @property
    def silver_web(self) -> str:
        return self.path(SILVER_WEB)

    @property
    def dp_budget(self) -> str:
        """Grain: one balance row per DP recipient and one row per DP release attempt (jobs/release/budget.py)."""
        return self.path(DP_BUDGET)

    def gold(self, dataset: str) -> str:
        return self.path(gold_table(dataset))

    @property
    def gold_root(self) -> Path:
        return self.root / GOLD

    def gold_folders(self) -> list[Path]:
        """The folders under gold, in name order: one per dataset, each a Delta table once written."""
        return sorted(self.gold_root.iterdir()) if self.gold_root.is_dir() else []

    def gold_tables(self, spark: SparkSession) -> dict[str, str]:
        """{dataset: path} of every Delta table under gold, in name order."""
        return {folder.name: str(folder) for folder in self.gold_folders() if is_delta(spark, str(folder))}

    @property
    def ledger(self) -> str:
        """Grain: one row per export attempt, published or refused (jobs/release/ledger.py)."""
        return self.path(LEDGER)

    def gate_docs(self, recipient: str, dataset: str, release_id: str) -> Path:
        """The gate's Data Docs of one export attempt (beside the ledger, never in exports)."""
        return self.root / GATE_DOCS / recipient / dataset / release_id

    @property
    def reports(self) -> Path:
        """The folder of the run reports, one HTML file per `tollgate run`."""
        return self.root / REPORTS

    @property
    def lock_file(self) -> Path:
        """The file every writing command holds an exclusive flock on (jobs/lake/lock.py)."""
        return self.root / LOCK


def is_delta(spark: SparkSession, path: str) -> bool:
    return DeltaTable.isDeltaTable(spark, path)


# A commit of the Delta log, named by its version (checkpoints and compacted logs are not).
_COMMIT_FILE = re.compile(r"(\d{20})\.json")


def delta_version(path: str) -> int:
    """The current version of a Delta table (recorded in export manifests, read `versionAsOf`).

    Its newest commit file in `_delta_log/`, which a commit creates atomically and log
    clean-up never removes: the version `DESCRIBE HISTORY` shows first, without the Spark
    query that costs (~0.2 s each, ten per export). The lake is a local folder.
    """
    log_dir = Path(path) / "_delta_log"
    versions = [int(match[1]) for name in os.listdir(log_dir) if (match := _COMMIT_FILE.fullmatch(name))]
    if not versions:
        raise FileNotFoundError(f"no Delta commit under {log_dir}")
    return max(versions)


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
