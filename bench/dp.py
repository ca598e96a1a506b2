"""`python -m bench.dp --legs N`: differentially private releases on generated legs.

    .venv/bin/python -m bench.dp --legs 200000

For epsilon 0.5, 1 and 4, public and private selection, at gold's grain, and for the demo
recipient's settings (conf/recipients.yaml, `harbor-analytics`, as a research recipient:
no Do Not Sell, so its exact cells are every account's): the cells published, coverage,
the median and p95 relative error of each measure against the exact cells
(bench/dp_metrics.py), and each release's seconds (charge, bound, noise, write, gate,
publish: the whole export) beside the bare aggregations, timed in the same process.

The lake: bench/run's (`bench/out/lake`) when its landing folder was generated with the same
--legs, --days and --accounts; else one of its own under `<out>/dp/`, generated and built
by `tollgate run` once and reused. Each run forgets the lake's DP budget ledger first (a
benchmark lake, never a recipient's). PipelineDP and Tumult Analytics are not measured
(not installable here). Figures go to bench/RESULTS.md by hand, with the command and load.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

import pyarrow.parquet as pq
import yaml
from pyspark.sql import functions as F

from bench.baselines import bare_gold
from bench.dp_metrics import exact_cells, markdown_rows, published_cells, utility
from bench.harness import ended_line, started_line
from bench.pipeline import KEY
from jobs.commands.cli import build_parser, configure_logging
from jobs.config.policy import load_policy
from jobs.config.recipients import Recipient, load_recipients
from jobs.lake.layout import Lake
from jobs.lake.session import get_spark, project_path
from jobs.pipeline.days import landed_run_days
from jobs.pipeline.run import run_pipeline
from jobs.release.dp import window_weeks
from jobs.release.export import export_all
from jobs.synthetic import landing as generate
from transforms.dp_bounds import GRAIN
from transforms.vocabulary import REGIONS

DATASET = "usage_by_time_of_day_dp"
BOUNDS = ("cells_per_account", "legs_per_cell", "conferences_per_cell", "minutes_per_cell", "minutes_per_leg")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--legs", type=int, default=200_000, help="CDR legs to generate")
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--accounts", type=int, default=None, help="default: one per 40 legs, as the demo")
    parser.add_argument("--epsilons", type=float, nargs="+", default=[0.5, 1.0, 4.0], help="per release")
    parser.add_argument(
        "--bounds",
        default="8,16,4,480,120",
        help="gold-grain bounds: cells per account, legs, conferences and minutes per cell, minutes per leg",
    )
    parser.add_argument("--window-weeks", type=int, default=1)
    parser.add_argument("--out", type=Path, default=project_path("bench", "out"))
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    configure_logging()
    os.environ["TOLLGATE_HMAC_KEY"] = KEY  # the bench's own lake and key, never the demo's
    print(started_line(), flush=True)
    seconds: dict[str, float] = {}
    landing, lake = prepared_lake(args, seconds)
    shutil.rmtree(lake.dp_budget, ignore_errors=True)  # a benchmark lake: every run starts unspent
    exports = args.out / "dp" / "exports"
    shutil.rmtree(exports, ignore_errors=True)
    spark = get_spark("tollgate-bench-dp")
    timed("bare gold, cold", seconds, lambda: bare_gold(spark, lake))
    timed("bare gold", seconds, lambda: bare_gold(spark, lake))
    timed("bare time-of-day", seconds, lambda: bare_time_of_day(spark, lake))
    last_day = max(landed_run_days(landing))
    policy = load_policy(project_path("conf", "privacy-policy.yaml"))
    settings = [demo_setting(), *gold_settings(args)]
    # One release first, untimed in the table: OpenDP, GX and Python workers start cold.
    warm_up = recipient("warm-up", settings[0][1])
    timed("DP release, cold", seconds, lambda: export_all(spark, lake, exports, [warm_up], policy, last_day=last_day))
    silver_df = spark.read.format("delta").load(lake.silver_cdr)
    exact_by_grain: dict[tuple, dict] = {}
    results = []
    for label, dp in settings:
        chosen = recipient(label, dp)
        started = time.perf_counter()
        [release] = export_all(spark, lake, exports, [chosen], policy, last_day=last_day)
        elapsed = time.perf_counter() - started
        section = json.loads((release / "manifest.json").read_text())["privacy"]["dp"]
        grain = tuple(section["grain"])
        weeks = window_weeks(last_day, section["window"]["weeks"])
        key = (grain, tuple(section["window"]["regions"]))
        if key not in exact_by_grain:
            exact_by_grain[key] = exact_cells(silver_df, weeks, key[1], grain)
        published = published_cells(pq.read_table(release / "data").to_pylist(), grain)
        results.append(
            {
                "label": label,
                "grain": "gold" if grain == GRAIN else " x ".join(grain),
                "epsilon": dp["release"]["epsilon"],
                "selection": dp["selection"]["mode"],
                "sigma_minutes": section["noise_scale"]["participant_minutes"],
                "threshold": section["selection"]["threshold"],
                "seconds": elapsed,
                **utility(exact_by_grain[key], published),
            }
        )
        print(f"  {label:<28} {elapsed:8.1f} s", flush=True)
    report(args, seconds, results)


def prepared_lake(args: argparse.Namespace, seconds: dict) -> tuple[Path, Lake]:
    """bench/run's landing and lake when they match, else this benchmark's own (built once)."""
    accounts = args.accounts or max(args.legs // 40, 1)
    wanted = {"days": args.days, "accounts": min(accounts, args.legs), "legs_per_day": args.legs // args.days}
    shared = args.out / "landing"
    if _marker(shared) == wanted and _has_silver(Lake(args.out / "lake")):
        print(f"reusing bench/run's landing and lake under {args.out}")
        return shared, Lake(args.out / "lake")
    own = args.out / "dp"
    landing, lake = own / "landing", Lake(own / "lake")
    if _marker(landing) != wanted:
        shutil.rmtree(landing, ignore_errors=True)
        shutil.rmtree(own / "lake", ignore_errors=True)
        timed("generate", seconds, lambda: generate.generate_landing(landing, **wanted, seed=11))
        (landing / ".generated.json").write_text(json.dumps(wanted))
    if not _has_silver(lake):
        # Only the lake is wanted: one cheap plain recipient, so the run's export is short.
        plain = own / "recipients.yaml"
        entry = {"name": "bench-plain", "kind": "research", "datasets": ["daily_usage"]}
        plain.write_text(yaml.safe_dump({"recipients": [entry]}))
        where = [f"--landing={landing}", f"--lake={lake.root}", f"--exports={own / 'run-exports'}"]
        run_args = build_parser().parse_args(["run", *where, f"--recipients={plain}"])
        timed("tollgate run (builds the lake)", seconds, lambda: run_pipeline(run_args))
    return landing, lake


def _marker(landing: Path) -> dict | None:
    marker = landing / ".generated.json"
    return json.loads(marker.read_text()) if marker.is_file() else None


def _has_silver(lake: Lake) -> bool:
    return (Path(lake.silver_cdr) / "_delta_log").is_dir() and (Path(lake.bronze_accounts) / "_delta_log").is_dir()


def demo_setting() -> tuple[str, dict]:
    """The demo DP recipient's settings, as conf/recipients.yaml has them."""
    demo = load_recipients(project_path("conf", "recipients.yaml"), k_floor=1)["harbor-analytics"]
    return "demo", {**demo.dp.model_dump(mode="json", exclude_none=True), "regions": list(demo.regions)}


def gold_settings(args: argparse.Namespace) -> list[tuple[str, dict]]:
    """Gold's grain, every region, the given bounds: each epsilon in both selection modes."""
    bounds = dict(zip(BOUNDS, (int(part) for part in args.bounds.split(",")), strict=True))
    settings = []
    for epsilon in args.epsilons:
        for mode in ("public", "private"):
            selection = {"mode": mode, "delta": 1e-9} if mode == "private" else {"mode": mode}
            budget = {"epsilon": 50.0, "delta": 1e-7, **({"selection_delta": 1e-8} if mode == "private" else {})}
            dp = {
                "budget": budget,
                "release": {"epsilon": epsilon, "window_weeks": args.window_weeks},
                "bounds": bounds,
                "selection": selection,
                "regions": list(REGIONS),
            }
            settings.append((f"gold-{mode}-eps{epsilon:g}".replace(".", "_"), dp))
    return settings


def recipient(label: str, dp: dict) -> Recipient:
    """A research DP recipient of its own (so, its own budget) for one setting."""
    settings = {key: value for key, value in dp.items() if key != "regions"}
    return Recipient.model_validate(
        {
            "name": f"bench-dp-{label}",
            "kind": "research",
            "privacy": "dp",
            "datasets": [DATASET],
            "regions": dp["regions"],
            "dp": settings,
        }
    )


def bare_time_of_day(spark, lake: Lake) -> None:
    """The exact time-of-day aggregation of the silver legs, no bounds, no noise, no gate."""
    legs_df = spark.read.format("delta").load(lake.silver_cdr)
    cells_df = legs_df.groupBy(*GRAIN).agg(
        F.count_distinct("conference_pseudonym"),
        F.count(F.lit(1)),
        F.sum("participant_minutes"),
        F.count_distinct("account_pseudonym"),
    )
    cells_df.write.format("noop").mode("overwrite").save()


def timed(label: str, seconds: dict, work):
    started = time.perf_counter()
    result = work()
    seconds[label] = time.perf_counter() - started
    print(f"  {label:<28} {seconds[label]:8.1f} s", flush=True)
    return result


def report(args: argparse.Namespace, seconds: dict, results: list[dict]) -> None:
    bare = seconds["bare time-of-day"]
    gold, cold = seconds["bare gold"], seconds["bare gold, cold"]
    print(f"\nbare gold (four datasets from bronze) {gold:.1f} s (cold {cold:.1f} s)")
    print(f"bare time-of-day aggregation of silver {bare:.1f} s; DP release cold {seconds['DP release, cold']:.1f} s")
    print("ratio columns: release seconds / bare time-of-day; PipelineDP and Tumult: not measured\n")
    print("\n".join(markdown_rows(results, bare)))
    out = args.out / "dp" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"legs": args.legs, "seconds": seconds, "results": results}, indent=2, default=str))
    print(f"\nwritten: {out}")
    print(ended_line())


if __name__ == "__main__":
    main()
