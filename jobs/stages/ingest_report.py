"""ingest's counts: records read, accepted, quarantined and erased per landing file, and the
names (never the values) of unknown keys and columns; and how they are logged."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from dataclasses import dataclass, field

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.stages.ingest_telephony import log_unknown_columns
from transforms.quarantine import REASON

# ingest's column, on its parsed rows: the record mentions an erased account (kept out, counted).
ERASED = "_is_erased"
_FIELD_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")

log = logging.getLogger("tollgate.ingest")


@dataclass(frozen=True)
class FileCount:
    source: str
    source_file: str
    read: int
    accepted: int
    quarantined: int
    # Records of erased accounts (the suppression list), kept out for good, and (`tollgate run`)
    # accepted records of accounts with an open erasure request, kept out for its erase.
    erased: int = 0


@dataclass
class IngestReport:
    files: list[FileCount] = field(default_factory=list)
    unknown_keys: set[str] = field(default_factory=set)
    # Per telephony source: the names of columns no PBX parser knows (never their values).
    unknown_columns: dict[str, set[str]] = field(default_factory=dict)
    # Per bronze table: accepted records kept out for an open erasure request, per account
    # hash; the run's erase records them in its audit as the rows it would have deleted, and
    # rebuilds the days they fell on. And the landing files whose records were checked so:
    # that erase need not search the rows this ingest (from `started_at` on) wrote of them.
    kept_out: dict[str, Counter] = field(default_factory=dict)
    kept_out_days: set[dt.date] = field(default_factory=set)
    checked_for_erasures: dict[str, set[str]] = field(default_factory=dict)
    started_at: dt.datetime | None = None

    def totals(self, source: str) -> tuple[int, int, int, int]:
        rows = [f for f in self.files if f.source == source]
        return (
            sum(f.read for f in rows),
            sum(f.accepted for f in rows),
            sum(f.quarantined for f in rows),
            sum(f.erased for f in rows),
        )


def print_report(report: IngestReport) -> None:
    """Counts per file and per source; unknown keys by name, never their values."""
    for count in report.files:
        log.info(
            "  %-44s read %8d = accepted %8d + quarantined %6d + erased %d",
            count.source_file,
            count.read,
            count.accepted,
            count.quarantined,
            count.erased,
        )
    sources = ("accounts", "cdr", "usage", *sorted({f.source for f in report.files} - {"accounts", "cdr", "usage"}))
    for source in sources:
        read, accepted, quarantined, erased = report.totals(source)
        if read:
            log.info(
                "ingest %-8s read %9d = accepted %9d + quarantined %7d + erased %d",
                source,
                read,
                accepted,
                quarantined,
                erased,
            )
    log_unknown_columns(report.unknown_columns)
    if report.unknown_keys:
        # A key name is data too (a sender may key a record by an email or a name): only
        # snake_case names, the shape of a field name, are shown; the others are counted.
        shown = sorted(key for key in report.unknown_keys if _FIELD_NAME.fullmatch(key))
        hidden = len(report.unknown_keys) - len(shown)
        log.warning(
            "unclassified CDR keys dropped before silver (fail closed): %s%s",
            ", ".join(shown) or "none shown",
            f"; {hidden} more not shown (not field-shaped names; bronze cdr_legs.extra_keys has them)"
            if hidden
            else "",
        )


def count_files(parsed_df: DataFrame, source: str, report: IngestReport, *, with_keys: bool) -> list[FileCount]:
    """Per file of `parsed_df` (ingest's parsed rows, REASON and ERASED set; added to `report`
    and returned): records read, accepted, quarantined and erased; with `with_keys`, the names
    of unknown keys (or PBX columns) seen, in the same job (distinct lists of names, few)."""
    keys = [F.collect_set("extra_keys").alias("key_lists")] if with_keys else []
    rows = (
        parsed_df.groupBy("source_file")
        .agg(
            F.count(F.lit(1)).alias("read"),
            F.count_if(F.col(REASON).isNull() & ~F.col(ERASED)).alias("accepted"),
            F.count_if(F.col(REASON).isNotNull() & ~F.col(ERASED)).alias("quarantined"),
            F.count_if(F.col(ERASED)).alias("erased"),
            *keys,
        )
        .orderBy("source_file")
        .collect()
    )
    counts = [FileCount(source, r.source_file, r.read, r.accepted, r.quarantined, r.erased) for r in rows]
    report.files.extend(counts)
    if with_keys:
        is_pbx = source.startswith("telephony:")
        names = report.unknown_columns.setdefault(source, set()) if is_pbx else report.unknown_keys
        names.update(name for r in rows for key_list in r.key_lists for name in key_list)
    return counts
