"""erase: apply every open erasure request, everywhere the account's data lives.

In this order, so that a job killed at any step leaves the request open and a re-run
finishes it: (1) the account's identifiers join the suppression list (keyed hashes; from
here on no ingest, re-run or backfill brings them back); (2) every bronze row that mentions
them is deleted, and the requests table forgets the account id (it keeps the keyed hash);
(3) the silver days and gold weeks those rows touched are rebuilt from bronze; (4) an audit
row per request and table; (5) VACUUM with a retention of 0 hours on every identifiable
table, so no old Parquet file, and so no time-travel read, still holds the account.

Deletes are Delta MERGEs on row keys, never DELETEs with a value predicate: Delta writes a
DELETE's predicate, literals and all, into the table's log, which VACUUM keeps.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.config.keys import account_pseudonym, privacy_key
from jobs.config.policy import Policy
from jobs.lake.frames import local_frame
from jobs.lake.layout import QUARANTINE, SILVER_CDR, Lake, is_delta
from jobs.lake.vacuum import vacuum_now
from jobs.privacy.audit import append_audit
from jobs.privacy.subjects import SubjectTable, open_erasures, present_tables, subjects_of
from jobs.stages import aggregate as aggregate_stage
from jobs.stages import anonymize as anonymize_stage
from jobs.stages.ingest_report import IngestReport
from transforms.privacy import identifier_hash, subject_rows

log = logging.getLogger("tollgate.erase")
# Erasure MERGEs at once: most of a small table's time is driver-side Delta bookkeeping, which
# overlaps well (as VACUUMs do: jobs/lake/vacuum.py).
_TABLES_AT_ONCE = 4


@dataclass
class ErasureReport:
    requests: int = 0
    rows: Counter = field(default_factory=Counter)  # table -> rows deleted or forgotten
    days_rebuilt: list[dt.date] = field(default_factory=list)
    vacuumed: list[str] = field(default_factory=list)


def erase(
    spark: SparkSession,
    lake: Lake,
    master_key: bytes,
    policy: Policy,
    *,
    rebuilt_by_caller: Collection[dt.date] = (),
    vacuum: bool = True,
    ingested: IngestReport | None = None,
) -> ErasureReport:
    """Apply every open erasure request (idempotent: a processed request is not redone).

    `tollgate run` rebuilds its own days after this and vacuums once at its end, so it
    passes those days as `rebuilt_by_caller` and `vacuum=False`. Its ingest kept the
    requests' accounts out of the files it read, and it passes its report (`ingested`): the
    rows of those files are not searched again, and the audit records the rows kept out
    with the ones deleted here, as it would have had they been written and deleted.
    """
    report = ErasureReport()
    # Held in memory, not read again: erasure rewrites the table these rows come from.
    open_df = open_erasures(spark, lake)
    requests_df = local_frame(spark, open_df.collect(), open_df.schema)
    requests = requests_df.select("request_id", "account_hash").collect()  # never the account ids
    report.requests = len(requests)
    if requests:
        log.info("erase: %d open erasure request(s)", len(requests))
        per_table = _erase_accounts(
            spark, lake, master_key, policy, requests_df, report, set(rebuilt_by_caller), ingested
        )
        append_audit(spark, lake, "erasure", requests, per_table)
    if vacuum and is_delta(spark, lake.suppression):
        report.vacuumed = vacuum_identifiable(spark, lake)
    return report


def _erase_accounts(
    spark: SparkSession,
    lake: Lake,
    master_key: bytes,
    policy: Policy,
    requests_df: DataFrame,
    report: ErasureReport,
    rebuilt_by_caller: set[dt.date],
    ingested: IngestReport | None,
) -> dict[str, Counter]:
    """Steps 1-3 for the accounts of `requests_df`; rows per table and account hash, with
    the rows `ingested` kept out. The days rebuilt are those of every match, of the rows
    kept out, and of the accounts' silver legs (whatever bronze still holds of them)."""
    subjects_df = subjects_of(spark, lake, requests_df.select("account_id").distinct(), master_key)
    _add_to_suppression(spark, lake, subjects_df)
    # Tables are independent: their matches and MERGEs run side by side, so one table's
    # Delta bookkeeping on the driver overlaps another's Spark work.
    tables = present_tables(spark, lake)
    with ThreadPoolExecutor(max_workers=_TABLES_AT_ONCE) as pool:
        outcomes = list(pool.map(lambda pair: _erase_table(spark, lake, subjects_df, *pair, ingested), tables))
    per_table: dict[str, Counter] = {}
    days: set[dt.date] = set(ingested.kept_out_days) if ingested else set()
    for (table, _), (counts, table_days) in zip(tables, outcomes, strict=True):
        per_table[table.name] = counts + (ingested.kept_out.get(table.name, Counter()) if ingested else Counter())
        days |= table_days
        report.rows[table.name] += sum(per_table[table.name].values())
    per_table[SILVER_CDR], silver_days = _silver_rows(spark, lake, master_key, requests_df)
    days |= silver_days
    report.rows[SILVER_CDR] = sum(per_table[SILVER_CDR].values())
    report.days_rebuilt = sorted(days - rebuilt_by_caller)
    if report.days_rebuilt:
        log.info("erase: rebuilding silver and gold for %d day(s)", len(report.days_rebuilt))
        anonymize_stage.anonymize(spark, lake, master_key, report.days_rebuilt, policy)
        aggregate_stage.aggregate(spark, lake, report.days_rebuilt, policy.k)
    return per_table


def _erase_table(
    spark: SparkSession,
    lake: Lake,
    subjects_df: DataFrame,
    table: SubjectTable,
    table_df: DataFrame,
    ingested: IngestReport | None,
) -> tuple[Counter, set[dt.date]]:
    """Step 2 for one table: its rows that mention a subject deleted (or forgotten) in one
    MERGE; rows per subject hash, and the landing days they were in. The rows `ingested`
    wrote from files it checked for these accounts are not searched again."""
    checked = ingested.checked_for_erasures.get(table.name) if ingested else None
    if checked:
        written_then = F.col("source_file").isin(*sorted(checked)) & (F.col("ingested_at") >= ingested.started_at)
        table_df = table_df.where(~F.coalesce(written_then, F.lit(False)))
    matched_df = subject_rows(table_df, table.source, subjects_df, table.row_key).persist()
    try:
        dated = "landing_date" in table_df.columns and table.name != QUARANTINE
        counts: Counter = Counter()
        days: set[dt.date] = set()
        # Rows per subject and the days they landed on, from one job over the matches.
        for row in matched_df.groupBy("subject_hash", *(["landing_date"] if dated else [])).count().collect():
            counts[row.subject_hash] += row["count"]
            if dated and row.landing_date:
                days.add(row.landing_date)
        if counts:  # no MERGE (and no new table version) where nothing mentions the accounts
            _apply(spark, table.path(lake), matched_df.select(*table.row_key).distinct(), table.row_key, table.on_erase)
    finally:
        matched_df.unpersist()
    return counts, days


def _add_to_suppression(spark: SparkSession, lake: Lake, subjects_df: DataFrame) -> None:
    rows_df = subjects_df.select("identifier_hash", "kind", F.current_timestamp().alias("added_at"))
    if not is_delta(spark, lake.suppression):
        rows_df.write.format("delta").save(lake.suppression)
        return
    (
        DeltaTable.forPath(spark, lake.suppression)
        .alias("t")
        .merge(rows_df.alias("s"), "t.identifier_hash = s.identifier_hash")
        .whenNotMatchedInsertAll()
        .execute()
    )


def _apply(spark: SparkSession, path: str, keys_df: DataFrame, row_key: tuple[str, ...], on_erase: str) -> None:
    """Delete (or forget the account of) the rows whose keys are in `keys_df`, in one MERGE;
    its logged condition names columns only, never a value."""
    condition = " AND ".join(f"t.`{name}` = s.`{name}`" for name in row_key)
    merge = DeltaTable.forPath(spark, path).alias("t").merge(keys_df.alias("s"), condition)
    if on_erase == "forget":
        merge = merge.whenMatchedUpdate(set={"account_id": F.lit(None).cast("string")})
    else:
        merge = merge.whenMatchedDelete()
    merge.execute()


def _silver_rows(
    spark: SparkSession, lake: Lake, master_key: bytes, requests_df: DataFrame
) -> tuple[Counter, set[dt.date]]:
    """Silver legs under each account's pseudonym, before the rebuild removes them, and the
    landing days they are on."""
    if not is_delta(spark, lake.silver_cdr):
        return Counter(), set()
    key = privacy_key(master_key)
    pseudonyms_df = requests_df.select(
        identifier_hash(F.col("account_id"), "account_id", key).alias("account_hash"),
        account_pseudonym(F.col("account_id"), master_key).alias("account_pseudonym"),
    ).distinct()
    silver_df = spark.read.format("delta").load(lake.silver_cdr)
    matched_df = silver_df.join(pseudonyms_df, on="account_pseudonym", how="inner")
    counts: Counter = Counter()
    days: set[dt.date] = set()
    for row in matched_df.groupBy("account_hash", "landing_date").count().collect():
        counts[row.account_hash] += row["count"]
        if row.landing_date is not None:
            days.add(row.landing_date)
    return counts, days


def vacuum_identifiable(spark: SparkSession, lake: Lake) -> list[str]:
    """VACUUM RETAIN 0 HOURS on bronze and silver: the files that held erased rows go now.
    Tables whose folders hold no file to remove are left as they are (jobs/lake/vacuum.py);
    the tables vacuumed are returned. Gold and the ledger keep their history: they hold no
    identifiers."""
    paths = [table.path(lake) for table, _ in present_tables(spark, lake)]
    paths += [p for p in (lake.silver_cdr, lake.silver_web) if is_delta(spark, p)]
    return vacuum_now(spark, paths)


def print_report(report: ErasureReport) -> None:
    for table, rows in sorted(report.rows.items()):
        log.info("  %-34s %8d row(s) removed", table, rows)
    log.info(
        "erase: %d erasure request(s) applied; %d day(s) rebuilt; %d table(s) vacuumed (retention 0 h)",
        report.requests,
        len(report.days_rebuilt),
        len(report.vacuumed),
    )


def unreadable_request_lines(spark: SparkSession, lake: Lake) -> dict[str, int]:
    """Privacy request lines that landed but could not be read: reason -> lines. They are in
    bronze/quarantine with their reason, and no request in them can be applied until fixed."""
    if not is_delta(spark, lake.quarantine):
        return {}
    rows = (
        spark.read.format("delta")
        .load(lake.quarantine)
        .where(F.col("source") == "privacy_requests")
        .groupBy("reason")
        .count()
        .collect()
    )
    return {row.reason: row["count"] for row in rows}
