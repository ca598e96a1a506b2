"""Times every stage on N generated legs and, in the same process, a bare Spark
aggregation of the same grain over the same rows (the baseline).

    bench/run --legs 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import time
from functools import partial
from pathlib import Path

from pyspark.sql import functions as F

from expectations.gate import validate_table
from jobs.commands.cli import configure_logging
from jobs.config.policy import load_policy
from jobs.config.recipients import load_recipients
from jobs.lake.landing import landed_days
from jobs.lake.layout import Lake
from jobs.lake.session import get_spark, project_path
from jobs.release import export
from jobs.stages import aggregate, anonymize, ingest
from jobs.synthetic import landing as generate
from transforms.contracts import CONTRACTS
from transforms.local_time import with_local_time

GRAIN = ("report_week", "local_dow", "local_hour", "region", "product", "access_type")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--legs", type=int, default=1_000_000, help="CDR legs to generate")
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=project_path("bench", "out"))
    return parser.parse_args()


def jvm_peak_rss_mib(spark) -> float:
    pid = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bare_aggregation(spark, lake: Lake) -> None:
    """The baseline: the same grain and measures straight from bronze, no privacy work.

    Written to the no-op sink so every measure is computed (a count() would let Spark
    prune the aggregates it does not need).
    """
    legs = spark.read.format("delta").load(lake.bronze_cdr)
    accounts = spark.read.format("delta").load(lake.bronze_accounts).select("account_id", "timezone")
    local = with_local_time(legs.join(accounts, "account_id", "inner"), "start_time", "timezone")
    cells = local.groupBy(*GRAIN).agg(
        F.count_distinct("conference_id").alias("conferences"),
        F.count(F.lit(1)).alias("participant_legs"),
        F.sum(F.ceil(F.col("duration_s") / 60)).alias("participant_minutes"),
        F.count_distinct("account_id").alias("distinct_accounts"),
    )
    cells.where(F.col("distinct_accounts") >= 10).write.format("noop").mode("overwrite").save()


def timed(label: str, seconds: dict, work):
    started = time.perf_counter()
    result = work()
    seconds[label] = time.perf_counter() - started
    print(f"  {label:<28} {seconds[label]:8.1f} s", flush=True)
    return result


def main() -> None:
    args = parse_args()
    configure_logging()
    os.environ.setdefault("TOLLGATE_HMAC_KEY", "benchmark-key-not-a-secret-0123456789")
    legs_per_day = args.legs // args.days
    landing, lake_root, exports = args.out / "landing", args.out / "lake", args.out / "exports"
    wanted = {"days": args.days, "accounts": args.accounts, "legs_per_day": legs_per_day, "seed": 11}
    seconds: dict[str, float] = {}
    marker = landing / ".generated.json"
    if not (marker.is_file() and json.loads(marker.read_text()) == wanted):
        shutil.rmtree(landing, ignore_errors=True)
        timed("generate (not in ratios)", seconds, lambda: generate.generate_landing(landing, **wanted))
        marker.write_text(json.dumps(wanted))
    shutil.rmtree(lake_root, ignore_errors=True)
    shutil.rmtree(exports, ignore_errors=True)
    lake = Lake(lake_root)
    policy = load_policy(project_path("conf", "privacy-policy.yaml"))
    recipients = list(load_recipients(project_path("conf", "recipients.yaml"), policy.k_floor).values())
    key = os.environ["TOLLGATE_HMAC_KEY"].encode()
    spark = timed("spark start (cold JVM)", seconds, get_spark)
    days = sorted(generate_days(landing))
    report = timed("ingest", seconds, lambda: ingest.ingest(spark, landing, lake, days, key=key))
    timed("anonymize", seconds, lambda: anonymize.anonymize(spark, lake, key, days, policy))
    timed("aggregate", seconds, lambda: aggregate.aggregate(spark, lake, days, policy.k))
    timed("export (incl. gate)", seconds, lambda: export.export_all(spark, lake, exports, recipients, policy))
    for name, path in (("silver cdr_legs", lake.silver_cdr), *((n, lake.gold(n)) for n in CONTRACTS)):
        table = spark.read.format("delta").load(path)
        contract = CONTRACTS.get(name)
        timed(
            f"gate alone: {name}",
            seconds,
            partial(validate_table, table, suite_name=f"bench.{name}", contract=contract, k=policy.k),
        )
    timed("bare aggregation, 1st", seconds, lambda: bare_aggregation(spark, lake))
    timed("bare aggregation, 2nd", seconds, lambda: bare_aggregation(spark, lake))
    legs_read, _, _, _ = report.totals("cdr")
    gated = seconds["aggregate"] + seconds["export (incl. gate)"]
    pipeline = sum(seconds[s] for s in ("ingest", "anonymize", "aggregate", "export (incl. gate)"))
    baseline = seconds["bare aggregation, 2nd"]
    print(
        f"\nlegs {legs_read:,}; rows/s: "
        + ", ".join(f"{s} {legs_read / seconds[s]:,.0f}" for s in ("ingest", "anonymize", "aggregate"))
    )
    print(
        f"peak memory: JVM {jvm_peak_rss_mib(spark):,.0f} MiB, "
        f"Python {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB"
    )
    print(f"ratio silver->release (aggregate+export) / bare aggregation (warm): {gated / baseline:.2f}")
    print(f"ratio whole pipeline (ingest..export) / bare aggregation (warm):   {pipeline / baseline:.2f}")
    gates = sum(secs for label, secs in seconds.items() if label.startswith("gate alone") and "silver" not in label)
    print(
        f"gate on the gold datasets: {gates:.1f} s = {100 * gates / pipeline:.1f}% of the pipeline's time; "
        f"on the 1M-leg silver table: {seconds['gate alone: silver cdr_legs']:.1f} s"
    )


def generate_days(landing: Path):
    return landed_days(landing / "cdr", "*.jsonl")


if __name__ == "__main__":
    main()
