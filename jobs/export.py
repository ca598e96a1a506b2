"""export: gold -> exports/<recipient>/<dataset>/<release_id>/, only through the privacy gate.

A release is written to exports/.staging/ (Parquet, or CSV with spreadsheet formulas
neutralised), gated on exactly the bytes written, and renamed into place in one step; a
refused release leaves nothing but the refusal (exit 3). Every attempt gets a row in the
release ledger and the gate's Data Docs under <lake>/_gate_docs/ (jobs/ledger.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import shutil
from functools import partial
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from expectations.contracts import CONTRACTS, DatasetContract
from expectations.gate import validate_table
from jobs.common import add_location_args
from jobs.audience import EXCLUDED_BY_KIND, ReleaseSource, release_source
from jobs.csv_safe import with_formulas_neutralised
from jobs.errors import ConfigError, GateRefused
from jobs.keys import load_hmac_key
from jobs.lake import Lake
from jobs.ledger import ReleaseRecord, gate_docs_dir, record_release
from jobs.policy import Policy, load_policy
from jobs.recipients import Recipient, load_recipients
from jobs.session import get_spark
from jobs.subprocessors import EXTRACT_DATASETS, check_extract_recipients, load_subprocessor_rules
from jobs.verify import sha256_of

HELP = "gold -> gated, checksummed releases for each recipient"
log = logging.getLogger("tollgate.export")
MANIFEST_VERSION = 1
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


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)
    parser.add_argument("--recipient", help="only this recipient (default: all in the recipients file)")


def run(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    recipients = load_recipients(args.recipients, policy.k_floor)
    if args.recipient and args.recipient not in recipients:
        raise ConfigError(f"no recipient named {args.recipient!r} in {args.recipients}")
    chosen = [recipients[args.recipient]] if args.recipient else list(recipients.values())
    # Subprocessor extracts: covered by the policy (exit 2 before Spark starts), keyed per recipient.
    check_extract_recipients(load_subprocessor_rules(policy), chosen)
    wants_extracts = any(d in EXTRACT_DATASETS for r in chosen for d in r.datasets)
    needs_key = wants_extracts or any(r.kind in EXCLUDED_BY_KIND for r in chosen)
    master_key = load_hmac_key(args.config) if needs_key else None
    spark = get_spark("tollgate-export")
    export_all(spark, Lake(args.lake), args.exports, chosen, policy, master_key=master_key)
    return 0


def export_all(
    spark: SparkSession, lake: Lake, exports: Path, recipients: list[Recipient], policy: Policy,
    *, master_key: bytes | None = None,
) -> list[Path]:  # fmt: skip
    """Every dataset of every recipient; stops at the first refusal (GateRefused).

    `master_key` keys subprocessor extracts (default: the key of conf/tollgate.yaml).
    """
    check_extract_recipients(load_subprocessor_rules(policy), recipients)
    return [
        export_release(spark, lake, exports, recipient, dataset, policy, master_key=master_key)
        for recipient in recipients
        for dataset in recipient.datasets
    ]


def export_release(
    spark: SparkSession, lake: Lake, exports: Path, recipient: Recipient, dataset: str, policy: Policy,
    *, master_key: bytes | None = None,
) -> Path:  # fmt: skip
    """Gate and publish one release of `dataset` for `recipient`; the ledger records either way.

    Returns the release folder; raises GateRefused (after a `refused` ledger row) when the gate
    refuses, leaving no release and nothing in exports/.staging/.
    """
    if dataset in EXTRACT_DATASETS:  # a subprocessor's row-level extract, same release steps
        from jobs.extract import export_extract  # noqa: PLC0415 - jobs.extract builds on this module

        return export_extract(spark, lake, exports, recipient, dataset, policy, master_key)
    contract = CONTRACTS[dataset]
    k = max(recipient.k or policy.k, policy.k_floor)
    source = release_source(spark, lake, recipient.kind, dataset, k, master_key)
    rows_df = source.rows_df
    release_df = rows_df.where(F.col("region").isin(*recipient.regions)) if "region" in contract.columns else rows_df
    created_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    final_dir, docs_dir = _free_release_dirs(lake, exports, recipient.name, dataset, created_at.strftime("%Y%m%dT%H%M%SZ"))
    attempt = partial(ReleaseRecord, recipient=recipient.name, recipient_kind=recipient.kind, dataset=dataset,
                      release_id=final_dir.name, created_at=created_at,
                      source_delta_versions=source.delta_versions)  # fmt: skip
    staging = exports / ".staging" / f"{recipient.name}--{dataset}--{final_dir.name}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staged_df = write_release_data(spark, release_df, staging / "data", recipient.format, contract.grain)
        gate = validate_table(staged_df, suite_name=f"{recipient.name}.{dataset}", contract=contract, k=k,
                              docs_dir=docs_dir)  # fmt: skip
        refuse_unless_passed(spark, lake, staging, gate, attempt, f"release {recipient.name}/{dataset}")
        manifest = _manifest(recipient, dataset, contract, final_dir.name, created_at, source, staged_df,
                             staging, k, policy, gate.to_dict())  # fmt: skip
        publish(spark, lake, staging, final_dir, manifest, attempt)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("export %s/%s: release %s, %d rows, gate passed", recipient.name, dataset, final_dir, manifest["row_count"])
    return final_dir


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
    record_release(spark, lake, attempt(status="published", row_count=manifest["row_count"],
                                        manifest_sha256=manifest_sha256))  # fmt: skip
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
        (written_df.repartition(1).sortWithinPartitions(*grain)
         .write.options(**CSV_OPTIONS).csv(str(spark_out)))  # fmt: skip
        _move_parts(spark_out, "csv", data_dir)
        return (spark.read.schema(written_df.schema)
                .options(**CSV_OPTIONS, enforceSchema="false", mode="FAILFAST", multiLine="true")
                .csv(str(data_dir)))  # fmt: skip
    (release_df.repartition(1).sortWithinPartitions(*grain)
     .write.parquet(str(spark_out)))  # fmt: skip
    _move_parts(spark_out, "parquet", data_dir)
    return spark.read.parquet(str(data_dir))


def _move_parts(spark_out: Path, suffix: str, data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    for index, part in enumerate(sorted(spark_out.glob(f"part-*.{suffix}"))):
        part.rename(data_dir / f"part-{index:05d}.{suffix}")
    shutil.rmtree(spark_out)


def manifest_fields(
    recipient: Recipient, dataset: str, grain, release_id: str, created_at: dt.datetime,
    versions: dict[str, int], staged_df: DataFrame, staging: Path,
) -> dict:  # fmt: skip
    """What every manifest says, aggregate or extract: who, what, when, from which Delta
    versions, and the rows, columns and files as written to the staging folder."""
    return {
        "manifest_version": MANIFEST_VERSION,
        "recipient": recipient.name,
        "recipient_kind": recipient.kind,
        "dataset": dataset,
        "grain": list(grain),
        "release_id": release_id,
        "created_at": created_at.isoformat().replace("+00:00", "Z"),
        "source_delta_versions": versions,
        "row_count": staged_df.count(),
        "columns": [{"name": f.name, "type": f.dataType.simpleString()} for f in staged_df.schema.fields],
        "files": _describe_files(staging, staging / "data"),
    }


def _manifest(
    recipient: Recipient, dataset: str, contract: DatasetContract, release_id: str, created_at: dt.datetime,
    source: ReleaseSource, staged_df: DataFrame, staging: Path, k: int, policy: Policy, gate_report: dict,
) -> dict:  # fmt: skip
    return {
        **manifest_fields(recipient, dataset, contract.grain, release_id, created_at, source.delta_versions,
                          staged_df, staging),  # fmt: skip
        "privacy": {
            "k": k,
            "k_floor": policy.k_floor,
            "small_cells": f"cells with {contract.k_column} < k are not published",
            "regions": sorted(recipient.regions),
            # Do Not Sell (sale) and marketing consent (advertising): accounts left out.
            "consent": source.consent,
        },
        "gate": gate_report,
        "policy_sha256": policy.sha256,
    }


def _free_release_dirs(lake: Lake, exports: Path, recipient: str, dataset: str, release_id: str) -> tuple[Path, Path]:
    """The release folder and its gate docs folder, under an id neither place has used yet.

    A refused attempt leaves docs but no release, so both places are checked.
    """
    suffix, candidate = 0, release_id
    while (exports / recipient / dataset / candidate).exists() or gate_docs_dir(lake, recipient, dataset, candidate).exists():
        suffix += 1
        candidate = f"{release_id}-{suffix}"
    return exports / recipient / dataset / candidate, gate_docs_dir(lake, recipient, dataset, candidate)


def _describe_files(root: Path, data_dir: Path) -> list[dict]:
    """Path, sha256 and size of every data file (only the moved part files are in data/)."""
    return [
        {"path": str(path.relative_to(root)), "sha256": sha256_of(path), "bytes": path.stat().st_size}
        for path in sorted(data_dir.iterdir())
    ]


def _write_json(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _restrict(folder: Path) -> None:
    """Releases are for their recipient only: no group or world access."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o700 if path.is_dir() else 0o600)


if __name__ == "__main__":  # spark-submit jobs/export.py ...
    from jobs.cli import run_as_script

    run_as_script("export")
