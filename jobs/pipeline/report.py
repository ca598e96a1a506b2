"""The run report: one HTML file per `tollgate run`, with the time-of-day heat map (PNG,
embedded) and what every stage counted and how long it took.

It lives beside the other operator pages, at <lake>/_reports/run-<UTC time>.html, not under
exports/: it is for the people who run the lake, not a release. It shows gold aggregates only
(already k-suppressed), counts and seconds: no silver or bronze value, no landing file name.
The heat map is drawn with matplotlib's Agg canvas (no display needed); the analyst notebook
draws the same picture with `heatmap_figure`.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import logging
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.lake.layout import Lake, is_delta
from jobs.pipeline.result import RunResult
from transforms.vocabulary import REGIONS

log = logging.getLogger("tollgate.report")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
GOLD_DATASETS = ("usage_by_time_of_day", "daily_usage", "call_quality", "web_usage_by_hour")


def heatmap_cells(usage_df: DataFrame) -> DataFrame:
    """Grain: one row per (region, local day of week, local hour): the participant minutes of
    the published usage_by_time_of_day cells (at most 10 x 7 x 24 rows)."""
    return usage_df.groupBy("region", "local_dow", "local_hour").agg(
        F.sum("participant_minutes").cast("bigint").alias("participant_minutes")
    )


def heatmap_figure(cells: Iterable[tuple[str, int, int, int]], title: str | None = None) -> Figure:
    """One panel per region: local hour across, local day of week down, shaded by participant
    minutes on the region's own scale. `cells` are (region, local_dow, local_hour, minutes)."""
    grids: dict[str, np.ndarray] = {}
    for region, dow, hour, minutes in cells:
        grid = grids.setdefault(region, np.full((7, 24), np.nan))
        grid[dow - 1, hour] = minutes
    regions = [r for r in REGIONS if r in grids] + sorted(set(grids) - set(REGIONS))
    rows = max(1, (len(regions) + 1) // 2)
    figure = Figure(figsize=(12, 0.6 + 1.7 * rows), layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(title or "Participant minutes by local hour and day of week, per region")
    if not regions:
        figure.text(0.5, 0.5, "no published time-of-day cells", ha="center", va="center")
        return figure
    axes = figure.subplots(rows, 2, squeeze=False).ravel()
    for ax, region in zip(axes, regions, strict=False):
        grid = grids[region]
        ax.imshow(np.ma.masked_invalid(grid), aspect="auto", cmap="YlOrRd", interpolation="nearest")
        ax.set_title(f"{region}: {int(np.nansum(grid)):,} min", fontsize=9)
        ax.set_yticks(range(7), DAY_NAMES, fontsize=7)
        ax.set_xticks(range(0, 24, 3), [f"{h:02d}" for h in range(0, 24, 3)], fontsize=7)
    for ax in axes[len(regions) :]:
        ax.set_visible(False)
    figure.supxlabel("local hour (the account's time zone)", fontsize=9)
    return figure


def png_bytes(figure: Figure, dpi: int = 100) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def write_run_report(spark: SparkSession, lake: Lake, result: RunResult, k: int) -> Path:
    """Write this run's report under <lake>/_reports/ and return its path."""
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    usage_path = lake.gold("usage_by_time_of_day")
    cells = []
    if is_delta(spark, usage_path):
        usage_df = spark.read.format("delta").load(usage_path)
        if result.weeks:
            usage_df = usage_df.where(F.col("report_week").isin(*result.weeks))
        cells = [tuple(row) for row in heatmap_cells(usage_df).collect()]
    weeks = ", ".join(week.isoformat() for week in result.weeks) or "none"
    figure = heatmap_figure(cells, f"Participant minutes by local hour and day of week (weeks of {weeks})")
    page = _page(created, k, weeks, png_bytes(figure), _stage_rows(result), _gold_rows(spark, lake), result.releases)
    folder = lake.root / "_reports"
    folder.mkdir(parents=True, exist_ok=True)
    path, suffix = folder / f"run-{created:%Y%m%dT%H%M%SZ}.html", 0
    while path.exists():
        suffix += 1
        path = folder / f"run-{created:%Y%m%dT%H%M%SZ}-{suffix}.html"
    path.write_text(page, encoding="utf-8")
    log.info("report: %s", path)
    return path


def _stage_rows(result: RunResult) -> list[tuple[str, str, str]]:
    """(stage, seconds, what it counted): counts and durations only."""
    counted: dict[str, list[str]] = {stage: [] for stage in result.seconds}
    for source in sorted({count.source for count in result.ingest.files}):
        files = [count for count in result.ingest.files if count.source == source]
        read, accepted, quarantined = (
            sum(getattr(f, name) for f in files) for name in ("read", "accepted", "quarantined")
        )
        erased = sum(getattr(f, "erased", 0) for f in files)  # records of erased accounts, when counted
        counted.setdefault("ingest", []).append(
            f"{source}: read {read:,} = accepted {accepted:,} + quarantined {quarantined:,}"
            + (f" (erased accounts' records kept out: {erased:,})" if erased else "")
        )
    legs = result.anonymize
    counted.setdefault("anonymize", []).extend(
        [
            f"CDR legs {legs.legs_in:,} -> silver {legs.legs_silver:,} (unknown account {legs.legs_unknown_account:,}, "
            f"minors excluded {legs.legs_minor_excluded:,})",
            f"web requests -> silver {legs.web_requests_silver:,}",
        ]
    )
    counted.setdefault("aggregate", []).append(f"report weeks rebuilt: {len(result.weeks)}")
    counted.setdefault("export", []).append(f"releases published: {len(result.releases)}")
    return [(stage, f"{result.seconds.get(stage, 0.0):.1f}", "; ".join(lines)) for stage, lines in counted.items()]


def _gold_rows(spark: SparkSession, lake: Lake) -> list[tuple[str, int]]:
    return [
        (name, spark.read.format("delta").load(lake.gold(name)).count())
        for name in GOLD_DATASETS
        if is_delta(spark, lake.gold(name))
    ]


def _page(created: dt.datetime, k: int, weeks: str, png: bytes, stages: list, gold: list, releases: list[Path]) -> str:
    def table(header: tuple[str, ...], rows: Iterable[tuple]) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
        return f"<table><tr>{head}</tr>{body}</table>"

    released = [(r.parent.parent.name, r.parent.name, r.name) for r in releases]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Tollgate run {created:%Y-%m-%d %H:%M:%S} UTC</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1200px}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}img{{max-width:100%}}</style></head><body>
<h1>Tollgate run, {created:%Y-%m-%d %H:%M:%S} UTC</h1>
<p>Gold aggregates only: every cell counts at least k = {k} distinct accounts; empty squares are
suppressed or had no calls. Report weeks: {html.escape(weeks)}.</p>
<h2>Time of day (account's local time)</h2>
<img alt="heat map of participant minutes by local hour and day of week, per region"
 src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">
<h2>Stages</h2>
{table(("stage", "seconds", "counted"), stages)}
<h2>Gold tables</h2>
{table(("dataset", "rows"), gold)}
<h2>Releases</h2>
{table(("recipient", "dataset", "release"), released)}
</body></html>
"""
