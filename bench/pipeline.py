"""`bench/run --legs N`: exactly what `tollgate run` runs (every stage of the one stage list,
erase with --erasures pending requests, vacuum, every recipient of conf/recipients.yaml), and in
the same process the two baselines of bench/baselines.py over the same files.

    bench/run --legs 1000000 [--erasures 100]
    bench/run --legs 20000 --quick          # what `make test` runs: it must finish, nothing more

Ratios compare seconds measured side by side with the JVM warm: `tollgate run` runs twice
(cold, then again from an empty lake once the baselines have run), each baseline twice, and the
cold figures and ratio are printed too (`--quick`: each once, the ratios from what ran).
Figures go to bench/RESULTS.md by hand, with the command, date and load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import time
from pathlib import Path

from bench.baselines import bare_gold, bare_ingest
from jobs.commands.cli import build_parser, configure_logging
from jobs.lake.layout import Lake
from jobs.lake.session import get_spark, project_path
from jobs.pipeline.run import run_pipeline
from jobs.pipeline.stages import STAGE_NAMES
from jobs.synthetic import landing as generate

KEY = "benchmark-key-not-a-secret-0123456789"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--legs", type=int, default=1_000_000, help="CDR legs to generate")
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--erasures", type=int, default=None, help="pending erasure requests (default: generated)")
    parser.add_argument("--quick", action="store_true", help="one baseline pass each (a smoke run)")
    parser.add_argument("--out", type=Path, default=project_path("bench", "out"))
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    configure_logging()
    os.environ["TOLLGATE_HMAC_KEY"] = KEY  # the bench's own lake and key, never the demo's
    landing = args.out / "landing"
    wanted = {"days": args.days, "accounts": min(args.accounts, args.legs), "legs_per_day": args.legs // args.days}
    seconds: dict[str, float] = {}
    marker = landing / ".generated.json"
    if not (marker.is_file() and json.loads(marker.read_text()) == wanted):
        shutil.rmtree(landing, ignore_errors=True)
        timed("generate (not in ratios)", seconds, lambda: generate.generate_landing(landing, **wanted, seed=11))
        marker.write_text(json.dumps(wanted))
    erasures = set_pending_erasures(landing, args.erasures)
    for folder in ("lake", "exports", "bare"):
        shutil.rmtree(args.out / folder, ignore_errors=True)
    run_args = build_parser().parse_args(["run", *(f"--{d}={args.out / d}" for d in ("landing", "lake", "exports"))])
    spark = timed("spark start (cold JVM)", seconds, get_spark)
    timed("bare ingest, cold", seconds, lambda: bare_ingest(spark, landing, args.out / "bare"))
    cold = timed("tollgate run, cold", seconds, lambda: run_pipeline(run_args))
    legs = timed("bare ingest", seconds, lambda: bare_ingest(spark, landing, args.out / "bare"))
    lake = Lake(args.out / "lake")
    timed("bare gold, cold", seconds, lambda: bare_gold(spark, lake))
    warm = None
    if not args.quick:
        timed("bare gold", seconds, lambda: bare_gold(spark, lake))
        for folder in ("lake", "exports"):  # the same work again, from an empty lake
            shutil.rmtree(args.out / folder)
        warm = timed("tollgate run", seconds, lambda: run_pipeline(run_args))
    report(seconds, cold, warm, legs, erasures, spark)


def set_pending_erasures(landing: Path, wanted: int | None) -> int:
    """Keep the generated requests but make exactly `wanted` of them erasures (None: as generated)."""
    path = landing / "privacy_requests" / "requests.jsonl"
    requests = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if wanted is not None:
        others = [r for r in requests if r.get("kind") != "erasure"]
        accounts = sorted({r["account_id"] for r in requests if r.get("account_id")} | _account_ids(landing))
        erasures = [
            {
                "request_id": f"pr_bench_{n:05d}",
                "kind": "erasure",
                "account_id": account_id,
                "received_at": "2026-11-02T06:00:00Z",
            }
            for n, account_id in enumerate(accounts[:wanted])
        ]
        requests = others + erasures
        path.write_text("".join(json.dumps(r) + "\n" for r in requests))
    return sum(1 for r in requests if r.get("kind") == "erasure")


def _account_ids(landing: Path) -> set[str]:
    lines = (landing / "accounts" / "accounts.csv").read_text(encoding="utf-8").splitlines()[1:]
    return {line.split(",", 1)[0] for line in lines if line.startswith("acct-")}


def timed(label: str, seconds: dict, work):
    started = time.perf_counter()
    result = work()
    seconds[label] = time.perf_counter() - started
    print(f"  {label:<28} {seconds[label]:8.1f} s", flush=True)
    return result


def report(seconds: dict, cold, warm, legs: int, erasures: int, spark) -> None:
    """Seconds per stage of each run, the baselines, peak memory and the ratios: warm over warm
    (the cold run over the cold baselines beside them); without a warm run, from what ran."""
    runs = {"cold": cold} if warm is None else {"cold": cold, "warm": warm}
    run, run_s = (cold, seconds["tollgate run, cold"]) if warm is None else (warm, seconds["tollgate run"])
    print(f"\n{legs:,} CDR legs, {erasures} pending erasure requests, {len(run.releases)} releases")
    print(f"  {'stage':<10}" + "".join(f"{label + ' run':>13} {'legs/s':>12}" for label in runs))
    for name in STAGE_NAMES:
        cells = ""
        for result in runs.values():
            secs = result.seconds.get(name, 0.0)
            cells += f"{secs:11.1f} s {legs / secs if secs else 0:12,.0f}"
        print(f"  {name:<10}{cells}")
    bare_ingest_s, bare_gold_s = seconds["bare ingest"], seconds.get("bare gold", seconds["bare gold, cold"])
    print(
        f"  bare ingest {bare_ingest_s:.1f} s (cold {seconds['bare ingest, cold']:.1f} s); "
        f"bare gold {bare_gold_s:.1f} s (cold {seconds['bare gold, cold']:.1f} s)"
    )
    print(
        f"peak memory: JVM {_jvm_peak_mib(spark):,.0f} MiB, "
        f"Python {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB"
    )
    print(f"ratio tollgate run / (bare ingest + bare gold): {run_s / (bare_ingest_s + bare_gold_s):.2f}")
    if warm is not None:
        cold_bare = seconds["bare ingest, cold"] + seconds["bare gold, cold"]
        print(f"  the same, cold run / cold baselines:          {seconds['tollgate run, cold'] / cold_bare:.2f}")
    print(f"ratio ingest / bare ingest:                     {run.seconds['ingest'] / bare_ingest_s:.2f}")
    print(f"erase share of the run:                         {run.seconds['erase'] / run_s:.1%}")


def _jvm_peak_mib(spark) -> float:
    pid = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    main()
