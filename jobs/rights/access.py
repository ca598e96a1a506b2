"""access: everything the lake holds about one account, as a JSON document a person can read.

The document lists each bronze table (the account's own rows, found by its identifiers exactly
as erasure finds them, jobs/privacy/subjects.py) and the account's silver legs (by its pseudonym),
with table names, row counts and times. It is written with mode 0600, atomically; the log
says how many rows, never which. Open access requests of the account are marked answered.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections import Counter
from pathlib import Path

from pyspark.sql import Row, SparkSession
from pyspark.sql import functions as F

from jobs.config.keys import account_pseudonym, privacy_key
from jobs.lake.frames import local_frame
from jobs.lake.layout import SILVER_CDR, Lake, is_delta
from jobs.privacy.audit import append_audit, processed_requests
from jobs.privacy.subjects import present_tables, subjects_of
from transforms.privacy import identifier_hash, subject_rows

log = logging.getLogger("tollgate.access")
# Bookkeeping columns a person does not need to read (the account's own hash is shown once).
_HIDDEN = {"subject_hash", "account_hash", "value"}


def access_report(spark: SparkSession, lake: Lake, master_key: bytes, account_id: str) -> dict:
    """The document: `account_id`, `generated_at`, and per table its rows (JSON values)."""
    ids_df = local_frame(spark, [(account_id,)], "account_id string")
    subjects_df = subjects_of(spark, lake, ids_df, master_key)
    key = privacy_key(master_key)
    tables = []
    for table, table_df in present_tables(spark, lake):
        rows_df = subject_rows(table_df, table.source, subjects_df, table.row_key)
        tables.append(_section(table.name, "bronze", rows_df, table.row_key))
    if is_delta(spark, lake.silver_cdr):
        pseudonym = ids_df.select(account_pseudonym(F.col("account_id"), master_key).alias("account_pseudonym"))
        legs_df = (
            spark.read.format("delta").load(lake.silver_cdr).join(pseudonym, on="account_pseudonym", how="left_semi")
        )
        tables.append(_section(SILVER_CDR, "silver", legs_df, ("landing_date", "local_date", "local_hour")))
    account_hash = ids_df.select(identifier_hash(F.col("account_id"), "account_id", key)).first()[0]
    _mark_answered(spark, lake, account_hash, tables)
    return {
        "account_id": account_id,
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "about": "Every record Tollgate's lake holds about this account: bronze tables hold records "
        "as received; silver holds them with identifiers replaced by a pseudonym. Aggregates "
        "(gold, exports) count many accounts together and hold nothing about one.",
        "tables": tables,
    }


def _section(name: str, layer: str, rows_df, order: tuple[str, ...]) -> dict:
    shown = [c for c in rows_df.columns if c not in _HIDDEN]
    records = [row.asDict(recursive=True) for row in rows_df.select(*shown).orderBy(*order).collect()]
    return {"table": name, "layer": layer, "rows": len(records), "records": records}


def _mark_answered(spark: SparkSession, lake: Lake, account_hash: str, tables: list[dict]) -> None:
    """An audit row per table for each open access request of the account (or one without)."""
    if is_delta(spark, lake.privacy_requests):
        requests_df = (
            spark.read.format("delta")
            .load(lake.privacy_requests)
            .where((F.col("kind") == "access") & (F.col("account_hash") == account_hash))
        )
        answered_df = processed_requests(spark, lake).where(F.col("action") == "access")
        requests = (
            requests_df.join(answered_df, on="request_id", how="left_anti")
            .select("request_id", "account_hash")
            .collect()
        )
    else:
        requests = []
    if not requests:
        requests = [Row(request_id=None, account_hash=account_hash)]
    per_table = {table["table"]: Counter({account_hash: table["rows"]}) for table in tables}
    append_audit(spark, lake, "access", requests, per_table)


def write_private_json(path: Path, document: dict) -> None:
    """Write `document` to `path` with mode 0600, through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2, ensure_ascii=False, default=_json_value)
        handle.write("\n")
    os.replace(temporary, path)


def _json_value(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)
