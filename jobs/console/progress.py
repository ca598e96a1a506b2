"""Progress of the stages on the terminal, and every log record as a JSON line for machines.

Both hold stage names, days and counts only. A message is formatted from arguments
Tollgate chose (never a record value), only the fields named in FIELDS are copied from a
record's `extra=`, and a JSON line never carries an exception's text or stack trace
(Spark's messages can quote the value that failed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

# The structured fields a record may carry, and nothing else.
FIELDS = ("stage", "day", "first_day", "last_day", "days", "rows", "weeks", "releases", "seconds")
_DAY_IN_PATH = re.compile(r"date=(\d{4}-\d{2}-\d{2})")


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, and FIELDS given."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({name: getattr(record, name) for name in FIELDS if hasattr(record, name)})
        return json.dumps(entry, default=str, ensure_ascii=False)


class JsonLinesHandler(logging.FileHandler):
    """Appends to the file, so a scheduler's daily runs can share one log."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(path, mode="a", encoding="utf-8")
        self.setFormatter(JsonLinesFormatter())
        # INFO and up: -v adds debug records (stack frames) to the terminal only.
        self.setLevel(logging.INFO)


def add_log_json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-json", type=Path, metavar="FILE", help="also append every log record to FILE as one JSON object per line"
    )


def use_json_log(logger: logging.Logger, path: Path | None) -> None:
    """Send `logger`'s records to `path` (None: nowhere), replacing an earlier JSON log."""
    for handler in [h for h in logger.handlers if isinstance(h, JsonLinesHandler)]:
        logger.removeHandler(handler)
        handler.close()
    if path is not None:
        logger.addHandler(JsonLinesHandler(path))


def stage_started(log: logging.Logger, stage: str, days: list[dt.date]) -> None:
    log.info(
        "[%s] %d day(s), %s .. %s",
        stage,
        len(days),
        days[0],
        days[-1],
        extra={"stage": stage, "days": len(days), "first_day": days[0].isoformat(), "last_day": days[-1].isoformat()},
    )


def stage_done(log: logging.Logger, stage: str, seconds: float, **counts: int) -> None:
    """`counts`: rows, weeks or releases, as the stage has them."""
    shown = "".join(f", {value} {name}" for name, value in counts.items())
    log.info(
        "[%s] done in %.1f s%s", stage, seconds, shown, extra={"stage": stage, "seconds": round(seconds, 3), **counts}
    )


def day_rows(log: logging.Logger, stage: str, rows_by_day: dict[dt.date, int], what: str) -> None:
    """One progress line per day: `[stage] YYYY-MM-DD: N <what>`."""
    for day, rows in sorted(rows_by_day.items()):
        log.info("[%s] %s: %d %s", stage, day, rows, what, extra={"stage": stage, "day": day.isoformat(), "rows": rows})


def rows_by_landing_day(files: Iterable, source: str = "cdr") -> dict[dt.date, int]:
    """Accepted rows per landing day, from an ingest report's per-file counts."""
    totals: Counter[dt.date] = Counter()
    for count in files:
        match = _DAY_IN_PATH.search(count.source_file)
        if count.source == source and match:
            totals[dt.date.fromisoformat(match.group(1))] += count.accepted
    return dict(totals)


def counts_of(stage: str, result) -> dict[str, int]:
    """What a stage of `tollgate run` reports when done: rows, weeks or releases."""
    if stage == "ingest":
        return {"rows": result.totals("cdr")[1]}
    if stage == "anonymize":
        return {"rows": result.legs_silver}
    if stage == "aggregate":
        return {"weeks": len(result)}
    if stage == "export":
        return {"releases": len(result)}
    if stage == "erase":
        return {"requests": result.requests}
    return {}
