"""VACUUM only where a file is to go (jobs/lake/vacuum.py), checked against VACUUM's own DRY
RUN: wherever Delta would remove a file, the table is due (a wrong "nothing to remove" would
keep erased rows on disk); a table holding just its current files is left alone. The erasure
tests scan every byte of the lake after erase and vacuum (tests/test_erasure.py)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from delta.tables import DeltaTable

from jobs.lake.frames import local_frame
from jobs.lake.session import session_setting
from jobs.lake.vacuum import has_unreferenced_files, vacuum_now

# Partition values whose folder names Spark escapes (`:`, `%`, `=`) or keeps (a space), and null.
SOURCES = ("telephony:asterisk", "50%", "k=v", "a b", None)


def _write(spark, table: Path, day: str, mode: str = "overwrite", column: str = "source") -> None:
    rows = [(source, dt.date.fromisoformat(day), n) for n, source in enumerate(SOURCES)]
    rows_df = local_frame(spark, rows, f"{column} string, landing_date date, n int")
    rows_df.write.format("delta").mode(mode).partitionBy(column, "landing_date").save(str(table))


def _data_files(table: Path) -> list[Path]:
    parquet = table.rglob("*.parquet")
    return [path for path in parquet if not path.name.startswith(".") and "_delta_log" not in path.parts]


def _would_remove(spark, table: Path) -> list[str]:
    """The files VACUUM RETAIN 0 HOURS would delete (its DRY RUN also names empty folders)."""
    with session_setting(spark, "spark.databricks.delta.retentionDurationCheck.enabled", "false"):
        rows = spark.sql(f"VACUUM delta.`{table.resolve()}` RETAIN 0 HOURS DRY RUN").collect()
    return [row.path for row in rows if os.path.isfile(row.path.removeprefix("file:"))]


def _orphan(table: Path) -> Path:
    """A data file no commit references, beside a live one, as a write killed before its commit leaves."""
    live = _data_files(table)[0]
    orphan = live.with_name("part-99999-killed-write.c000.snappy.parquet")
    shutil.copy(live, orphan)
    return orphan


def test_a_table_holding_only_its_current_files_is_left_alone(spark, tmp_path):
    table = tmp_path / "t"
    _write(spark, table, "2026-11-02")
    _write(spark, table, "2026-11-03", mode="append")
    before = sorted(_data_files(table))
    assert len(before) == 10 and any("%3A" in str(path) for path in before)
    assert _would_remove(spark, table) == []
    assert not has_unreferenced_files(spark, str(table))
    assert not has_unreferenced_files(spark, os.path.relpath(table))  # the command line's default is relative
    assert vacuum_now(spark, [str(table)]) == []
    assert sorted(_data_files(table)) == before


def test_replaced_files_make_the_table_due_and_vacuum_removes_them(spark, tmp_path):
    table = tmp_path / "t"
    _write(spark, table, "2026-11-02")
    old = set(_data_files(table))
    _write(spark, table, "2026-11-03")  # every old file replaced
    assert len(_would_remove(spark, table)) == len(old)
    assert has_unreferenced_files(spark, str(table))
    assert vacuum_now(spark, [str(table)]) == [str(table)]
    assert old.isdisjoint(_data_files(table)) and len(_data_files(table)) == len(SOURCES)
    assert not has_unreferenced_files(spark, str(table))
    assert spark.read.format("delta").load(str(table)).count() == len(SOURCES)


@pytest.mark.parametrize("column", ["source", "_source"], ids=["partitioned", "partition column named _..."])
def test_a_file_left_by_a_killed_write_makes_the_table_due(spark, tmp_path, column):
    table, clean = tmp_path / "t", tmp_path / "clean"
    _write(spark, table, "2026-11-02", column=column)
    _write(spark, clean, "2026-11-02", column=column)
    orphan = _orphan(table)
    assert _would_remove(spark, table) and has_unreferenced_files(spark, str(table))
    assert vacuum_now(spark, [str(clean), str(table)]) == [str(table)]
    assert not orphan.exists() and len(_data_files(table)) == len(SOURCES)


def test_a_table_with_no_current_file_and_an_orphan_is_due(spark, tmp_path):
    table = tmp_path / "t"
    _write(spark, table, "2026-11-02")
    orphan = _orphan(table)
    DeltaTable.forPath(spark, str(table)).delete()  # every row gone: the current version has no file
    assert spark.read.format("delta").load(str(table)).inputFiles() == []
    assert has_unreferenced_files(spark, str(table))
    vacuum_now(spark, [str(table)])
    assert not orphan.exists() and _data_files(table) == []


def test_change_data_files_count_as_vacuum_counts_them(spark, tmp_path):
    table = tmp_path / "t"
    _write(spark, table, "2026-11-02")
    spark.sql(f"ALTER TABLE delta.`{table}` SET TBLPROPERTIES (delta.enableChangeDataFeed = true)")
    DeltaTable.forPath(spark, str(table)).delete("n = 0")  # writes the deleted row to _change_data/
    current = {path.removeprefix("file:") for path in spark.read.format("delta").load(str(table)).inputFiles()}
    for path in _data_files(table):  # the replaced file gone by hand: only change data is left to remove
        if "_change_data" not in path.parts and str(path) not in current:
            path.unlink()
    left = _would_remove(spark, table)
    assert left and all("_change_data" in path for path in left)
    assert has_unreferenced_files(spark, str(table))


def test_what_cannot_be_listed_here_is_always_due(spark, tmp_path):
    assert has_unreferenced_files(spark, "hdfs:/lake/bronze/cdr_legs")  # as Lake's paths spell it
    assert has_unreferenced_files(spark, "s3a://bucket/lake/bronze/cdr_legs")
    assert has_unreferenced_files(spark, str(tmp_path / "no-such-table"))
    table = tmp_path / "t"
    _write(spark, table, "2026-11-02")
    (table / "linked").symlink_to(tmp_path, target_is_directory=True)
    assert has_unreferenced_files(spark, str(table))
