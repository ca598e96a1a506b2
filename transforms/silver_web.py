"""Bronze usage log -> silver web requests: no IP, no query string, no raw user agent."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from transforms.pseudonymize import hmac_sha256
from transforms.user_agent import with_user_agent_classes

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


def web_requests_silver(usage_df: DataFrame, visitor_key: bytes) -> DataFrame:
    """Grain: one row per accepted request line.

    The visitor hash is HMAC(visitor_key, request date | IP): it rotates daily, so visitors
    can be counted within a day but not followed across days; it is never exported.
    """
    classified_df = with_user_agent_classes(usage_df, "user_agent")
    request_date = F.to_date("request_time")
    return classified_df.select(
        "landing_date",
        request_date.alias("request_date"),
        F.hour("request_time").cast("int").alias("request_hour"),
        F.when(F.col("method").rlike("^[A-Z]{3,7}$"), F.col("method")).otherwise("OTHER").alias("method"),
        url_path_template(F.col("url")).alias("path_template"),
        "status",
        "bytes",
        "browser_family",
        "browser_major",
        "os_family",
        "device_class",
        hmac_sha256(F.concat_ws("|", request_date.cast("string"), F.col("client_ip")), visitor_key).alias(
            "visitor_hash"
        ),
    )
