"""anonymize: bronze -> silver. Identifiers dropped or keyed-pseudonymized, local times,
user agents generalized, minors excluded; legs of unknown accounts quarantined."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from jobs.config.keys import silver_key, visitor_key
from jobs.config.policy import Policy
from jobs.lake.at_once import at_once
from jobs.lake.layout import Lake, days_condition, delta_version, is_delta, replace_partitions
from transforms.quarantine import REASON
from transforms.silver import ROUTING_COLUMNS, cdr_leg_routing, cdr_legs_silver
from transforms.silver_web import web_requests_silver

log = logging.getLogger("tollgate.anonymize")


@dataclass(frozen=True)
class AnonymizeReport:
    legs_in: int = 0
    legs_silver: int = 0
    legs_unknown_account: int = 0
    legs_minor_excluded: int = 0
    web_requests_silver: int = 0


def bronze_days(spark: SparkSession, lake: Lake) -> list[dt.date]:
    """Every landing day bronze holds, of CDR legs or usage-log lines alike."""
    days: set[dt.date] = set()
    for path in (lake.bronze_cdr, lake.bronze_usage):
        if is_delta(spark, path):
            rows = spark.read.format("delta").load(path).select("landing_date").distinct().collect()
            days.update(row[0] for row in rows if row[0] is not None)
    return sorted(days)


def anonymize(
    spark: SparkSession, lake: Lake, master_key: bytes, days: list[dt.date], policy: Policy
) -> AnonymizeReport:
    """Rebuild the silver partitions of `days` from bronze (idempotent per day)."""
    day_filter = days_condition(days)
    for source in ("cdr", "usage_log"):
        for column in policy.unclassified(source):
            log.warning("%s column %s is not in the privacy policy: dropped (fail closed)", source, column)
    # A lake may hold only one of the two dated sources so far (a usage-only day, say). The
    # two write different tables from different ones: side by side.
    by_reason, web_rows = at_once(
        lambda: _cdr_legs(spark, lake, master_key, day_filter, policy) if is_delta(spark, lake.bronze_cdr) else {},
        lambda: _web_requests(spark, lake, master_key, day_filter, policy),
    )
    return AnonymizeReport(
        legs_in=sum(by_reason.values()),
        legs_silver=by_reason.get(None, 0),
        legs_unknown_account=by_reason.get("unknown account", 0),
        legs_minor_excluded=by_reason.get("minor account", 0),
        web_requests_silver=web_rows,
    )


def _web_requests(spark: SparkSession, lake: Lake, master_key: bytes, day_filter: str, policy: Policy) -> int:
    """Silver web requests of the days; how many."""
    if not is_delta(spark, lake.bronze_usage):
        return 0
    usage_df = spark.read.format("delta").load(lake.bronze_usage).where(day_filter)
    treatments = policy.treatments("usage_log")
    web_df = web_requests_silver(usage_df, silver_key(master_key), visitor_key(master_key), treatments)
    replace_partitions(web_df, lake.silver_web, day_filter, ["landing_date"])
    return spark.read.format("delta").load(lake.silver_web).where(day_filter).count()


def _cdr_legs(spark: SparkSession, lake: Lake, master_key: bytes, day_filter: str, policy: Policy) -> dict:
    """Silver CDR legs of the days; legs of unknown accounts to quarantine. Legs per reason.

    Nothing is cached: the silver write is the one job that reads whole legs, and the
    routing (which legs are rejected, and why) comes from a narrow read of the same bronze
    version, four columns joined to the accounts (at 10M legs, caching the staged rows cost
    more than that second read)."""
    version = delta_version(lake.bronze_cdr)
    legs_df = spark.read.format("delta").option("versionAsOf", version).load(lake.bronze_cdr).where(day_filter)
    accounts_df = (
        spark.read.format("delta").option("versionAsOf", delta_version(lake.bronze_accounts)).load(lake.bronze_accounts)
    )
    staged_df = cdr_legs_silver(legs_df, accounts_df, silver_key(master_key), policy.treatments("cdr"))
    silver_columns = [c for c in staged_df.columns if c not in ROUTING_COLUMNS]
    replace_partitions(
        staged_df.where(F.col(REASON).isNull()).select(*silver_columns), lake.silver_cdr, day_filter, ["landing_date"]
    )
    routing_df = cdr_leg_routing(legs_df, accounts_df)
    counts = {row[REASON]: row["count"] for row in routing_df.groupBy(REASON).count().collect()}
    unknown_df = routing_df.where(F.col(REASON) == "unknown account")
    if not counts.get("unknown account"):
        unknown_df = unknown_df.limit(0)  # its schema only: old rows of the days still go
    replace_partitions(
        unknown_df.select(
            F.lit("silver_cdr").alias("source"),
            "landing_date",
            "source_file",
            "line_number",
            F.col(REASON).alias("reason"),
            F.lit(None).cast("string").alias("raw_record"),
            F.current_timestamp().alias("ingested_at"),
        ),
        lake.quarantine,
        f"source = 'silver_cdr' AND {day_filter}",
        ["source"],
    )
    return counts


def print_report(report: AnonymizeReport) -> None:
    log.info(
        "anonymize legs %d -> silver %d (unknown account %d quarantined, minors excluded %d); "
        "web requests -> silver %d",
        report.legs_in,
        report.legs_silver,
        report.legs_unknown_account,
        report.legs_minor_excluded,
        report.web_requests_silver,
    )
