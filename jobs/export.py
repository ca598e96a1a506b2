"""export: gold -> exports/<recipient>/<dataset>/<release_id>/, only through the privacy gate.

A release is written to exports/.staging/, gated on exactly the bytes written, and renamed
into place in one step; a refused release leaves nothing but the refusal (exit 3).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import shutil
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from expectations.contracts import CONTRACTS
from expectations.gate import validate_table
from jobs.common import add_location_args
from jobs.errors import ConfigError, GateRefused
from jobs.lake import Lake, delta_version
from jobs.policy import Policy, load_policy
from jobs.recipients import Recipient, load_recipients
from jobs.session import get_spark
from jobs.verify import sha256_of

HELP = "gold -> gated, checksummed releases for each recipient"
log = logging.getLogger("tollgate.export")
MANIFEST_VERSION = 1


def configure(parser: argparse.ArgumentParser) -> None:
    add_location_args(parser)
    parser.add_argument("--recipient", help="only this recipient (default: all in the recipients file)")


def run(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    recipients = load_recipients(args.recipients, policy.k_floor)
    if args.recipient and args.recipient not in recipients:
        raise ConfigError(f"no recipient named {args.recipient!r} in {args.recipients}")
    chosen = [recipients[args.recipient]] if args.recipient else list(recipients.values())
    spark = get_spark("tollgate-export")
    export_all(spark, Lake(args.lake), args.exports, chosen, policy)
    return 0


def export_all(
    spark: SparkSession, lake: Lake, exports: Path, recipients: list[Recipient], policy: Policy
) -> list[Path]:
    """Every dataset of every recipient; stops at the first refusal (GateRefused)."""
    return [
        export_release(spark, lake, exports, recipient, dataset, policy)
        for recipient in recipients
        for dataset in recipient.datasets
    ]


def export_release(
    spark: SparkSession, lake: Lake, exports: Path, recipient: Recipient, dataset: str, policy: Policy
) -> Path:
    contract = CONTRACTS[dataset]
    k = max(recipient.k or policy.k, policy.k_floor)
    source = lake.gold(dataset)
    version = delta_version(spark, source)
    gold_df = spark.read.format("delta").option("versionAsOf", version).load(source)
    release_df = gold_df.where(F.col("region").isin(*recipient.regions)) if "region" in contract.columns else gold_df
    created_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    release_id = created_at.strftime("%Y%m%dT%H%M%SZ")
    final_dir = _free_release_dir(exports / recipient.name / dataset, release_id)
    staging = exports / ".staging" / f"{recipient.name}--{dataset}--{final_dir.name}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        data_dir = staging / "data"
        # One sorted file: the same gold rows always give the same bytes.
        spark_out = staging / "_spark"
        (release_df.repartition(1).sortWithinPartitions(*contract.grain)
         .write.parquet(str(spark_out)))  # fmt: skip
        data_dir.mkdir(parents=True)
        for index, part in enumerate(sorted(spark_out.glob("part-*.parquet"))):
            part.rename(data_dir / f"part-{index:05d}.parquet")
        shutil.rmtree(spark_out)
        staged_df = spark.read.parquet(str(data_dir))
        gate = validate_table(staged_df, suite_name=f"{recipient.name}.{dataset}", contract=contract, k=k)
        gate_report = gate.to_dict()
        _write_json(staging / "gate_report.json", gate_report)
        if not gate.success:
            failed = ", ".join(f"{f.column or '(table)'}: {f.expectation}" for f in gate.failures)
            raise GateRefused(f"release {recipient.name}/{dataset} refused: {failed}")
        manifest = {
            "manifest_version": MANIFEST_VERSION,
            "recipient": recipient.name,
            "recipient_kind": recipient.kind,
            "dataset": dataset,
            "grain": list(contract.grain),
            "release_id": final_dir.name,
            "created_at": created_at.isoformat().replace("+00:00", "Z"),
            "source_delta_versions": {f"gold/{dataset}": version},
            "row_count": staged_df.count(),
            "columns": [{"name": f.name, "type": f.dataType.simpleString()} for f in staged_df.schema.fields],
            "files": _describe_files(staging, data_dir),
            "privacy": {
                "k": k,
                "k_floor": policy.k_floor,
                "small_cells": f"cells with {contract.k_column} < k are not published",
                "regions": sorted(recipient.regions),
            },
            "gate": gate_report,
            "policy_sha256": policy.sha256,
        }
        _write_json(staging / "manifest.json", manifest)
        manifest_sha256 = sha256_of(staging / "manifest.json")
        (staging / "manifest.json.sha256").write_text(f"{manifest_sha256}  manifest.json\n")
        _restrict(staging)
        final_dir.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.rename(staging, final_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("export %s/%s: release %s, %d rows, gate passed", recipient.name, dataset, final_dir, manifest["row_count"])
    return final_dir


def _free_release_dir(parent: Path, release_id: str) -> Path:
    candidate, suffix = parent / release_id, 1
    while candidate.exists():
        candidate, suffix = parent / f"{release_id}-{suffix}", suffix + 1
    return candidate


def _describe_files(root: Path, data_dir: Path) -> list[dict]:
    described = []
    for path in sorted(data_dir.iterdir()):
        if path.name.startswith(".") or path.name.startswith("_"):
            path.unlink()  # Spark's .crc and _SUCCESS files are not part of a release
            continue
        described.append({"path": str(path.relative_to(root)), "sha256": sha256_of(path), "bytes": path.stat().st_size})
    return described


def _write_json(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _restrict(folder: Path) -> None:
    """Releases are for their recipient only: no group or world access."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o700 if path.is_dir() else 0o600)


if __name__ == "__main__":  # spark-submit jobs/export.py ...
    from jobs.cli import run_as_script

    run_as_script("export")
