"""Bronze (PII zone) -> silver: identifiers dropped or keyed-pseudonymized, quasi-identifiers
generalized, minors excluded. Nothing free-text leaves bronze."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from transforms.local_time import with_local_time
from transforms.pseudonymize import hmac_sha256
from transforms.quarantine import REASON, first_reason
from transforms.user_agent import with_user_agent_classes

ADULT_MONTHS = 18 * 12

SILVER_CDR_COLUMNS = (
    "landing_date", "account_pseudonym", "conference_pseudonym", "region", "country", "product",
    "access_type", "local_date", "report_week", "local_dow", "local_hour", "duration_s",
    "participant_minutes", "recorded", "transcribed", "mos", "rating", "browser_family",
    "browser_major", "os_family", "device_class",
)  # fmt: skip


def is_minor_at_registration(birth_date, created_at):
    """True when the holder was under 18 when the account was created (policy point 6)."""
    return F.months_between(F.to_date(created_at), birth_date) < ADULT_MONTHS


def cdr_legs_silver(legs_df: DataFrame, accounts_df: DataFrame, key: bytes) -> DataFrame:
    """Silver CDR legs plus a reject reason: one row per bronze leg.

    Grain: one row per participant leg. Rows with a reason (unknown account, minor) must
    not be written to silver; the job sends them to quarantine or the privacy queue.
    """
    accounts = accounts_df.select(
        F.col("account_id").alias("_account_id"),
        F.col("timezone").alias("_timezone"),
        is_minor_at_registration(F.col("birth_date"), F.col("created_at")).alias("_is_minor"),
    )
    joined_df = legs_df.join(
        accounts, on=legs_df["account_id"] == accounts["_account_id"], how="left"
    )
    local_df = with_local_time(joined_df, "start_time", "_timezone")
    classified_df = with_user_agent_classes(local_df, "user_agent")
    return classified_df.select(
        "landing_date",
        hmac_sha256(F.col("account_id"), key).alias("account_pseudonym"),
        hmac_sha256(F.col("conference_id"), key).alias("conference_pseudonym"),
        "region",
        "country",
        "product",
        "access_type",
        "local_date",
        "report_week",
        "local_dow",
        "local_hour",
        "duration_s",
        # Minutes are billed per started minute, so one leg of 61 s counts as 2.
        F.ceil(F.col("duration_s") / 60).cast("bigint").alias("participant_minutes"),
        "recorded",
        "transcribed",
        "mos",
        "rating",
        "browser_family",
        "browser_major",
        "os_family",
        "device_class",
        # Kept for routing rejects back to their source line; dropped before writing.
        "source_file",
        "line_number",
        first_reason(
            (F.col("_account_id").isNull(), "unknown account"),
            (F.col("_is_minor"), "minor account"),
        ).alias(REASON),
    )
