"""ingest, telephony part: each configured PBX folder (landing/cdr/<name>/*.csv) -> CDR legs in
bronze, rejects -> quarantine; and the warning that names the columns no parser knows."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from jobs.config.settings import TelephonySource
from jobs.lake.landing import read_numbered_lines
from jobs.lake.layout import Lake
from transforms.parse_cdr import CDR_FIELDS
from transforms.parse_telephony import parse_pbx_lines, telephony_to_legs

log = logging.getLogger("tollgate.ingest")
# A header's names are lowercased; one that is not shaped like a column name is counted,
# never shown (a misplaced first line could hold anything).
_COLUMN_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


def ingest_telephony(
    spark: SparkSession,
    landing: Path,
    lake: Lake,
    name: str,
    pbx: TelephonySource,
    ingest_source: Callable[..., None],
) -> None:
    """A PBX folder's files become CDR legs dated by their UTC start; they replace exactly
    that folder's earlier rows in bronze, whatever days the run covers.

    `ingest_source` is ingest's `_ingest_source` with the lake, report and suppression list
    bound: it writes accepted rows and rejects, counts them per file and collects
    `extra_keys`, the names of the folder's unclassified columns.
    """
    files = sorted((landing / "cdr" / name).glob("*.csv"))
    if not files:
        log.info("telephony %s: no files in cdr/%s", name, name)
        return
    lines_df = read_numbered_lines(spark, files, landing)
    parsed_df = parse_pbx_lines(lines_df, pbx.cdr_layout(), pbx.timezone, pbx.day_first)
    legs_df = telephony_to_legs(
        parsed_df,
        account_id=pbx.account_id,
        region=pbx.region,
        country=pbx.country,
        product=pbx.product,
        keep_rejected=True,
    )
    dated_df = legs_df.withColumn("landing_date", F.to_date("start_time"))
    ingest_source(
        f"telephony:{name}",
        dated_df,
        (*CDR_FIELDS, "extra_keys"),
        lake.bronze_cdr,
        days=None,
        scope=f"source_file LIKE 'cdr/{name}/%'",
    )


def log_unknown_columns(unknown_columns: Mapping[str, set[str]]) -> None:
    """One warning per PBX folder whose files had columns no parser knows: their values
    never reach bronze; their names are shown when shaped like column names."""
    for source, names in sorted(unknown_columns.items()):
        if not names:
            continue
        shown = sorted(name for name in names if _COLUMN_NAME.fullmatch(name))
        hidden = len(names) - len(shown)
        log.warning(
            "%s: unclassified columns dropped before silver (fail closed; bronze keeps their names): %s%s",
            source,
            ", ".join(shown) or "none shown",
            f"; {hidden} more not shown (not shaped like column names)" if hidden else "",
        )
