"""Bronze usage log -> silver web requests, column by column as the privacy policy's
`usage_log` treatments say (as transforms/silver.py does for CDR legs): no IP, no query
string, no raw user agent under the shipped policy."""

from __future__ import annotations

from collections.abc import Mapping

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from transforms.pseudonymize import hmac_sha256, with_pseudonym
from transforms.silver import USER_AGENT_COLUMNS, pseudonym_name
from transforms.user_agent import with_user_agent_classes

# The columns of silver web requests under the shipped policy (conf/privacy-policy.yaml);
# web_usage_by_hour reads request_date, request_hour, the user agent classes and visitor_hash.
SILVER_WEB_COLUMNS = (
    "landing_date",
    "request_date",
    "request_hour",
    "method",
    "path_template",
    "status",
    "bytes",
    "browser_family",
    "browser_major",
    "os_family",
    "device_class",
    "visitor_hash",
)
# A path segment survives only if it reads like a route word (lowercase: a capital is the
# mark of a name slug such as /u/Jane-Doe); ids, tokens, emails, names and anything
# percent-encoded become {id}.
_ROUTE_WORD = r"^[a-z][a-z_-]{0,31}(\.[a-z]{1,5})?$"


def url_path_template(url: Column) -> Column:
    """`/j/8812345678?pwd=abc` -> `/j/{id}`: query and fragment removed, ids replaced."""
    path = F.regexp_replace(url, r"[?#].*$", "")
    segments = F.split(path, "/")
    templated = F.transform(segments, lambda s: F.when((s == "") | s.rlike(_ROUTE_WORD), s).otherwise(F.lit("{id}")))
    return F.array_join(templated, "/")


def _kept(column: str) -> list[Column]:
    """A kept column as web silver holds it. The request time is kept to the hour, as the UTC
    date and hour the hourly dataset counts by (coarser than the policy allows, never finer);
    a method that is not a plain verb becomes OTHER, since a client may send any bytes there."""
    if column == "request_time":
        return [
            F.to_date("request_time").alias("request_date"),
            F.hour("request_time").cast("int").alias("request_hour"),
        ]
    if column == "method":
        return [F.when(F.col("method").rlike("^[A-Z]{3,7}$"), F.col("method")).otherwise("OTHER").alias("method")]
    return [F.col(column)]


def web_requests_silver(
    usage_df: DataFrame, key: bytes, visitor_key: bytes, treatments: Mapping[str, str]
) -> DataFrame:
    """Grain: one row per accepted request line.

    `treatments` maps every usage-log column to drop, keep, pseudonymize (keyed with `key`) or
    generalize:user_agent | path_template; the silver columns follow from it, in that order,
    after `landing_date` and before `visitor_hash`. The visitor hash is HMAC(visitor_key,
    request date | IP), made whatever the IP's own treatment (the policy keeps the address
    "only as a daily visitor hash"): it rotates daily, so visitors can be counted within a
    day but not followed across days, and it is never exported.
    """
    visitor = F.concat_ws("|", F.to_date("request_time").cast("string"), F.col("client_ip"))
    staged_df = usage_df.withColumn("_visitor_hash", hmac_sha256(visitor, visitor_key))
    silver_columns: list[Column] = [F.col("landing_date")]
    for column, treatment in treatments.items():
        if treatment == "keep":
            silver_columns += _kept(column)
        elif treatment == "pseudonymize":
            staged_df = with_pseudonym(staged_df, column, pseudonym_name(column), key)
            silver_columns.append(F.col(pseudonym_name(column)))
        elif treatment == "generalize:user_agent":
            staged_df = with_user_agent_classes(staged_df, column)
            silver_columns += [F.col(name) for name in USER_AGENT_COLUMNS]
        elif treatment == "generalize:path_template":
            silver_columns.append(url_path_template(F.col(column)).alias("path_template"))
        elif treatment != "drop":
            raise ValueError(f"no silver treatment {treatment!r} for usage-log column {column}")
    return staged_df.select(*silver_columns, F.col("_visitor_hash").alias("visitor_hash"))
