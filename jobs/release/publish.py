"""The one way out of the lake: write to exports/.staging/, gate the bytes written, record
the attempt in the ledger, and rename the folder into place only if the gate passed.

Aggregates (jobs/release/export.py) and subprocessor extracts (jobs/release/extract.py)
both publish through these steps.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

from jobs.errors import GateRefused
from jobs.lake.layout import Lake
from jobs.release.csv_safe import with_formulas_neutralised
from jobs.release.ledger import gate_docs_dir, record_release
from jobs.release.verify import sha256_of

# RFC 4180 quoting (a quote inside a cell is doubled; Spark's default is a backslash, which
# spreadsheets and Python's csv module do not read), and cells written exactly as they are:
# Spark's writer trims leading spaces by default, which would turn " =cmd" back into a formula.
CSV_OPTIONS = {
    "header": "true",
    "quote": '"',
    "escape": '"',
    "ignoreLeadingWhiteSpace": "false",
    "ignoreTrailingWhiteSpace": "false",
    "encoding": "UTF-8",
    "lineSep": "\n",
}


def refuse_unless_passed(spark: SparkSession, lake: Lake, staging: Path, gate, attempt, what: str) -> None:
    """Write the gate's report into the staging folder; if it failed, record a `refused`
    ledger row and raise GateRefused naming the failed checks (never a value)."""
    _write_json(staging / "gate_report.json", gate.to_dict())
    if not gate.success:
        record_release(spark, lake, attempt(status="refused", failures=gate.failures))
        failed = ", ".join(f"{f.column or '(table)'}: {f.expectation}" for f in gate.failures)
        raise GateRefused(f"{what} refused: {failed}")


def publish(spark: SparkSession, lake: Lake, staging: Path, final_dir: Path, manifest: dict, attempt) -> None:
    """Write the manifest and its sha256, close the folder to others, record the ledger row,
    and rename the staging folder into place (the one step a recipient can see)."""
    _write_json(staging / "manifest.json", manifest)
    manifest_sha256 = sha256_of(staging / "manifest.json")
    (staging / "manifest.json.sha256").write_text(f"{manifest_sha256}  manifest.json\n")
    _restrict(staging)
    # Ledger first: a release may fail to appear after its row, never appear without one.
    record_release(
        spark, lake, attempt(status="published", row_count=manifest["row_count"], manifest_sha256=manifest_sha256)
    )
    final_dir.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.rename(staging, final_dir)


def write_release_data(
    spark: SparkSession, release_df: DataFrame, data_dir: Path, file_format: str, grain: tuple[str, ...]
) -> DataFrame:
    """Write `release_df` as data/part-00000.<format> and return the rows read back from it.

    One sorted file, so the same gold rows always give the same bytes. The returned
    DataFrame is what the gate judges: the file as a recipient will read it, not the plan
    that produced it.
    """
    spark_out = data_dir.parent / "_spark"
    if file_format == "csv":
        # Read back with the written schema, not the contract's: Spark applies a schema to
        # CSV by position, so the contract's would hide an extra column (or a renamed one)
        # from the gate; with enforceSchema off the header must name exactly these columns,
        # and FAILFAST turns any cell that does not parse back into an error, not a null.
        written_df = with_formulas_neutralised(release_df)
        (written_df.repartition(1).sortWithinPartitions(*grain).write.options(**CSV_OPTIONS).csv(str(spark_out)))
        _move_parts(spark_out, "csv", data_dir)
        return (
            spark.read.schema(written_df.schema)
            .options(**CSV_OPTIONS, enforceSchema="false", mode="FAILFAST", multiLine="true")
            .csv(str(data_dir))
        )
    (release_df.repartition(1).sortWithinPartitions(*grain).write.parquet(str(spark_out)))
    _move_parts(spark_out, "parquet", data_dir)
    return spark.read.parquet(str(data_dir))


def _move_parts(spark_out: Path, suffix: str, data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    for index, part in enumerate(sorted(spark_out.glob(f"part-*.{suffix}"))):
        part.rename(data_dir / f"part-{index:05d}.{suffix}")
    shutil.rmtree(spark_out)


def free_release_dirs(lake: Lake, exports: Path, recipient: str, dataset: str, release_id: str) -> tuple[Path, Path]:
    """The release folder and its gate docs folder, under an id neither place has used yet.

    A refused attempt leaves docs but no release, so both places are checked.
    """
    suffix, candidate = 0, release_id
    while (exports / recipient / dataset / candidate).exists() or gate_docs_dir(
        lake, recipient, dataset, candidate
    ).exists():
        suffix += 1
        candidate = f"{release_id}-{suffix}"
    return exports / recipient / dataset / candidate, gate_docs_dir(lake, recipient, dataset, candidate)


def _write_json(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _restrict(folder: Path) -> None:
    """Releases are for their recipient only: no group or world access."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o700 if path.is_dir() else 0o600)
