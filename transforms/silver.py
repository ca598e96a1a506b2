"""Bronze (PII zone) -> silver, column by column as the privacy policy says: identifiers
dropped or keyed-pseudonymized, quasi-identifiers generalized, minors excluded."""

from __future__ import annotations

from collections.abc import Mapping

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from transforms.generalize import with_calling_code
from transforms.local_time import with_local_time
from transforms.pseudonymize import keyed_pseudonym, with_pseudonym
from transforms.quarantine import REASON, first_reason
from transforms.user_agent import with_user_agent_classes

ADULT_MONTHS = 18 * 12
LOCAL_TIME_COLUMNS = ("local_date", "report_week", "local_dow", "local_hour")
USER_AGENT_COLUMNS = ("browser_family", "browser_major", "os_family", "device_class")
# Kept beside silver rows only to route rejects back to their line; never written.
ROUTING_COLUMNS = ("source_file", "line_number", REASON)


def pseudonym_name(column: str) -> str:
    """account_id -> account_pseudonym."""
    return column.removesuffix("_id") + "_pseudonym"


def is_minor_at_registration(birth_date: Column, created_at: Column) -> Column:
    """True when the holder was under 18 when the account was created (policy point 6)."""
    return F.months_between(F.to_date(created_at), birth_date) < ADULT_MONTHS


def cdr_legs_silver(legs_df: DataFrame, accounts_df: DataFrame, key: bytes, treatments: Mapping[str, str]) -> DataFrame:
    """Silver CDR legs, one row per bronze leg, plus `source_file`, `line_number` and a
    reject reason (unknown account, minor); rows with a reason must not be written.

    Grain: one row per participant leg. `treatments` maps every CDR column to drop, keep,
    pseudonymize or generalize:<how>; the silver columns follow from it, in that order.
    """
    staged_df = _with_account(legs_df, accounts_df, key)
    silver_columns: list[Column] = [F.col("landing_date")]
    for column, treatment in treatments.items():
        if treatment == "keep":
            silver_columns.append(F.col(column))
        elif treatment == "pseudonymize" and column == "account_id":
            silver_columns.append(F.col("_account_pseudonym").alias(pseudonym_name(column)))
        elif treatment == "pseudonymize":
            staged_df = with_pseudonym(staged_df, column, pseudonym_name(column), key)
            silver_columns.append(F.col(pseudonym_name(column)))
        elif treatment == "generalize:local_time":
            staged_df = with_local_time(staged_df, column, "_timezone")
            silver_columns += [F.col(name) for name in LOCAL_TIME_COLUMNS]
        elif treatment == "generalize:user_agent":
            staged_df = with_user_agent_classes(staged_df, column)
            silver_columns += [F.col(name) for name in USER_AGENT_COLUMNS]
        elif treatment == "generalize:calling_code":
            staged_df = with_calling_code(staged_df, column, f"{column}_calling_code")
            silver_columns.append(F.col(f"{column}_calling_code"))
        elif treatment != "drop":
            raise ValueError(f"no silver treatment {treatment!r} for CDR column {column}")
    if treatments.get("duration_s") == "keep":
        # Minutes are counted per started minute, so one leg of 61 s counts as 2.
        silver_columns.append(F.ceil(F.col("duration_s") / 60).cast("bigint").alias("participant_minutes"))
    return staged_df.select(
        *silver_columns,
        "source_file",
        "line_number",
        _routing_reason().alias(REASON),
    )


def cdr_leg_routing(legs_df: DataFrame, accounts_df: DataFrame) -> DataFrame:
    """cdr_legs_silver's routing alone: `landing_date`, `source_file`, `line_number` and the
    reject reason of every leg, from the same account join without pseudonyms or any other
    column (a narrow read of bronze). Grain: one row per participant leg."""
    routed_df = _with_account(legs_df, accounts_df, None)
    return routed_df.select("landing_date", "source_file", "line_number", _routing_reason().alias(REASON))


def _with_account(legs_df: DataFrame, accounts_df: DataFrame, key: bytes | None) -> DataFrame:
    """Each leg with its account's `_account_id` (null: no such account), `_timezone`,
    `_is_minor` and, with `key`, `_account_pseudonym`. The pseudonym is made on the accounts
    side of the join: once per account, not once per leg (a leg's account_id equals its
    account's; legs of no account are rejected)."""
    accounts = accounts_df.select(
        F.col("account_id").alias("_account_id"),
        F.col("timezone").alias("_timezone"),
        is_minor_at_registration(F.col("birth_date"), F.col("created_at")).alias("_is_minor"),
        *([keyed_pseudonym(F.col("account_id"), "account_id", key).alias("_account_pseudonym")] if key else []),
    )
    return legs_df.join(accounts, on=legs_df["account_id"] == accounts["_account_id"], how="left")


def _routing_reason() -> Column:
    return first_reason(
        (F.col("_account_id").isNull(), "unknown account"),
        (F.col("_is_minor"), "minor account"),
    )
