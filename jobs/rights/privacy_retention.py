"""Retention of the privacy tables: the requests that are done, and the privacy state's past.

`bronze.privacy_requests` (grain: one row per request) ages by `received_at`, but a request
past its window goes only when nothing depends on it any more. It stays, whatever its age:

- while it is open: an erasure the audit does not record as applied, an access the audit does
  not record as answered (`tollgate requests` shows both as `open`). Deleting one would drop
  a request nobody has answered, and `tollgate erase` would never see it;
- while it is in force: the latest opt-out or opt-in of sale of its account, and its latest
  withdrawal of marketing consent. Every ingest rebuilds `bronze/account_privacy_state` from
  these rows (transforms.privacy.account_privacy_state), so deleting one would sell, or
  market to, someone who said no. Earlier ones are superseded (the state reads only the
  latest), and those of an erased account (its id forgotten) change no state: both may go.

Any other kind is kept (fail closed). The rows go by one MERGE on their row keys, as erasure
deletes: a DELETE cannot see the audit, and its logged condition names columns and the cutoff
date only, never a value of a row.

`bronze.account_privacy_state` (grain: one row per account) is replaced whole by every ingest;
its past states are its older Delta versions. The current snapshot always stays; the files of
past versions go by VACUUM RETAIN <window x 24> HOURS, after which those versions can no longer
be read. VACUUM counts from now, whatever `--as-of` says, and removes a file once it is not
part of the current version and Delta's record of its removal is older than the window (or,
for a file written before the window, once Delta has dropped that record after its own 7 days):
a past state never outlives the window, though it may go a little sooner.
"""

from __future__ import annotations

import datetime as dt

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from jobs.lake.session import session_setting
from transforms.privacy import SALE_KINDS

# Requests the audit records as done (its `action` is the request's kind); the rest of the
# kinds take effect at ingest, through the privacy state.
ANSWERED_KINDS = ("erasure", "access")
WITHDRAWAL = "withdraw_marketing_consent"
ROW_KEY = ("source_file", "line_number")
# Delta 4.3 ignores a VACUUM retention other than 0 hours while this is on (its default) and
# uses the table's delta.deletedFileRetentionDuration (7 days) instead: a 30-day window's history
# would go after 7 days, and the dry run would report the same wrong files. Off for our calls.
_IGNORE_RETENTION = "spark.databricks.delta.vacuum.retentionWindowIgnore.enabled"


def requests_to_delete(requests_df: DataFrame, done_df: DataFrame, cutoff: dt.date) -> DataFrame:
    """Grain: one row per request retention deletes (`source_file`, `line_number`): received
    before `cutoff`, and neither open nor in force (see the module's docstring).

    `requests_df`: bronze privacy requests; `done_df`: `request_id`, `action` of every request
    the audit records as done (jobs.privacy.audit.processed_requests).
    """
    family = F.when(F.col("kind").isin(*SALE_KINDS), F.lit("sale")).when(F.col("kind") == WITHDRAWAL, F.lit("consent"))
    # The whole partition: the latest of an account's requests of one family, whatever their order.
    same_family = Window.partitionBy("account_id", "_family").rowsBetween(
        Window.unboundedPreceding, Window.unboundedFollowing
    )
    marked_df = requests_df.select(
        *ROW_KEY, "request_id", "kind", "account_id", "received_at", family.alias("_family")
    ).select("*", F.max("received_at").over(same_family).alias("_latest_of_family"))
    done_df = done_df.select("request_id", F.col("action").alias("kind"), F.lit(True).alias("_is_done"))
    joined_df = marked_df.join(done_df, on=["request_id", "kind"], how="left")
    is_done = F.col("kind").isin(*ANSWERED_KINDS) & F.coalesce(F.col("_is_done"), F.lit(False))
    is_superseded = F.col("_family").isNotNull() & (
        F.col("account_id").isNull() | (F.col("received_at") < F.col("_latest_of_family"))
    )
    is_past = F.to_date("received_at") < F.lit(cutoff)
    # A null anywhere (no received_at) leaves the row out: it stays, counted as undated.
    return joined_df.where(is_past & (is_done | is_superseded)).select(*ROW_KEY)


def delete_requests(spark: SparkSession, path: str, keys_df: DataFrame, cutoff: dt.date) -> None:
    """Delete the requests whose row keys are in `keys_df`, in one MERGE. The cutoff is in its
    condition too, so a row inside its window cannot go whatever the keys say."""
    condition = " AND ".join(
        [*(f"t.`{name}` = s.`{name}`" for name in ROW_KEY), f"CAST(t.received_at AS DATE) < DATE'{cutoff.isoformat()}'"]
    )
    DeltaTable.forPath(spark, path).alias("t").merge(keys_df.alias("s"), condition).whenMatchedDelete().execute()


def history_hours(window_days: int) -> int:
    """VACUUM's retention for a history window: the policy refuses windows under 7 days, so
    this never goes below Delta's 168 hours and its safety check stays on."""
    return window_days * 24


def past_version_files(spark: SparkSession, path: str, window_days: int) -> list[str]:
    """The data files VACUUM would remove with the window's hours (a dry run: nothing changes,
    nothing is committed). Only files of past versions: VACUUM never lists the current one's."""
    quoted = path.replace("`", "``")
    with session_setting(spark, _IGNORE_RETENTION, "false"):
        listed = spark.sql(f"VACUUM delta.`{quoted}` RETAIN {history_hours(window_days)} HOURS DRY RUN").collect()
    return sorted(row.path for row in listed if row.path.endswith(".parquet"))


def rows_in_files(spark: SparkSession, files: list[str]) -> int:
    """Rows of the past states in `files` (what the report counts as past the window)."""
    return spark.read.parquet(*files).count() if files else 0


def vacuum_history(spark: SparkSession, path: str, window_days: int) -> None:
    with session_setting(spark, _IGNORE_RETENTION, "false"):
        DeltaTable.forPath(spark, path).vacuum(history_hours(window_days))
