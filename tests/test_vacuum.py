"""VACUUM only where a file is to go (jobs/lake/vacuum.py): a table whose folder holds just the
files of its current version is left alone; a replaced file, or one a killed write left, makes
the table due, and after VACUUM it is gone. The erasure tests scan every byte of the lake after
erase and vacuum (tests/test_erasure.py)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from jobs.lake.frames import local_frame
from jobs.lake.vacuum import has_unreferenced_files, vacuum_now


def _data_files(table: Path) -> set[str]:
    return {
        str(path.relative_to(table))
        for path in table.rglob("*")
        if path.is_file() and not any(part.startswith(("_", ".")) for part in path.relative_to(table).parts)
    }


def _write(spark, table: Path, rows: list[tuple], mode: str = "overwrite") -> None:
    rows_df = local_frame(spark, rows, "source string, landing_date date, n int")
    rows_df.write.format("delta").mode(mode).partitionBy("source", "landing_date").save(str(table))


def _rows(day: str) -> list[tuple]:
    # A partition value that the folder name escapes (`:`), and a null partition value.
    return [("telephony:asterisk", dt.date.fromisoformat(day), 1), ("cdr", None, 2)]


def test_a_table_holding_only_its_current_files_is_left_alone(spark, tmp_path):
    table = tmp_path / "t"
    _write(spark, table, _rows("2026-11-02"))
    _write(spark, table, _rows("2026-11-03"), mode="append")
    before = _data_files(table)
    assert len(before) == 4 and any("%3A" in name for name in before)
    assert not has_unreferenced_files(spark, str(table))
    assert vacuum_now(spark, [str(table)]) == []
    assert _data_files(table) == before


def test_replaced_files_make_the_table_due_and_vacuum_removes_them(spark, tmp_path):
    table = tmp_path / "t"
    _write(spark, table, _rows("2026-11-02"))
    old = _data_files(table)
    _write(spark, table, _rows("2026-11-03"))  # every old file replaced
    assert has_unreferenced_files(spark, str(table))
    assert vacuum_now(spark, [str(table)]) == [str(table)]
    assert _data_files(table).isdisjoint(old) and len(_data_files(table)) == 2
    assert not has_unreferenced_files(spark, str(table))
    assert spark.read.format("delta").load(str(table)).count() == 2


def test_a_file_left_by_a_killed_write_makes_the_table_due(spark, tmp_path):
    table, clean = tmp_path / "t", tmp_path / "clean"
    _write(spark, table, _rows("2026-11-02"))
    _write(spark, clean, _rows("2026-11-02"))
    # A data file no commit references, in a partition folder, as a write killed before its commit leaves.
    some = next(path for path in table.rglob("*.parquet") if not path.name.startswith("."))
    orphan = some.with_name("part-99999-killed-write.c000.snappy.parquet")
    shutil.copy(some, orphan)
    assert has_unreferenced_files(spark, str(table))
    assert vacuum_now(spark, [str(clean), str(table)]) == [str(table)]
    assert not orphan.exists() and some.exists()


def test_a_lake_that_is_not_a_local_folder_is_always_vacuumed(spark):
    assert has_unreferenced_files(spark, "s3a://bucket/lake/bronze/cdr_legs")
