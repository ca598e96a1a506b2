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
import io
import logging
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
from deltalake import DeltaTable
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from expectations.docs import assert_offline, html_templates
from jobs.analysts.gold_sql import gold_tables
from jobs.lake.layout import Lake
from jobs.pipeline.result import RunResult
from jobs.release.ledger import gate_docs_dir
from jobs.release.publish import ReleaseRefused
from transforms.vocabulary import REGIONS

log = logging.getLogger("tollgate.report")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
GOLD_DATASETS = ("usage_by_time_of_day", "daily_usage", "call_quality", "web_usage_by_hour")


def heatmap_figure(cells: Iterable[tuple[str, int, int, int]], title: str | None = None) -> Figure:
    """One panel per region: local hour across, local day of week down, shaded by participant
    minutes on the region's own scale, with a colour bar in participant minutes beside each panel.
    `cells` are (region, local_dow, local_hour, minutes)."""
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
        image = ax.imshow(np.ma.masked_invalid(grid), aspect="auto", cmap="YlOrRd", interpolation="nearest")
        ax.set_title(f"{region}: {int(np.nansum(grid)):,} min", fontsize=9)
        # Each panel has its own scale, so each gets its own colour bar, with the unit on it. An
        # inset of the panel, not a new figure axes: it moves with its panel.
        scale = figure.colorbar(image, cax=ax.inset_axes((1.015, 0.0, 0.02, 1.0)))
        scale.set_label("participant minutes", fontsize=7)
        scale.ax.tick_params(labelsize=6)
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


def write_run_report(lake: Lake, result: RunResult, k: int, refusal: ReleaseRefused | None = None) -> Path:
    """Write this run's report under <lake>/_reports/ and return its path; with `refusal`, the
    release the gate refused, named with its failed checks (never a value)."""
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    cells = published_cells(lake, result.weeks)
    weeks = ", ".join(week.isoformat() for week in result.weeks) or "none"
    figure = heatmap_figure(cells, f"Participant minutes by local hour and day of week (weeks of {weeks})")
    page = render_page(
        created,
        k,
        weeks,
        png_bytes(figure),
        _stage_rows(result, refusal),
        _gold_rows(lake),
        result.releases,
        _refusal_view(lake, refusal),
    )
    folder = lake.reports
    folder.mkdir(parents=True, exist_ok=True)
    path, suffix = folder / f"run-{created:%Y%m%dT%H%M%SZ}.html", 0
    while path.exists():
        suffix += 1
        path = folder / f"run-{created:%Y%m%dT%H%M%SZ}-{suffix}.html"
    path.write_text(page, encoding="utf-8")
    log.info("report: %s", path)
    return path


def _stage_rows(result: RunResult, refusal: ReleaseRefused | None = None) -> list[tuple[str, str, str]]:
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
    if refusal is not None:
        counted["export"].append(f"refused: {refusal.recipient}/{refusal.dataset}")
    return [(stage, f"{result.seconds.get(stage, 0.0):.1f}", "; ".join(lines)) for stage, lines in counted.items()]


def _gold_dataset(lake: Lake, dataset: str) -> pads.Dataset | None:
    """A gold table as an Arrow dataset through delta-rs, as `tollgate sql` reads it: no Spark job."""
    folder = gold_tables(lake).get(dataset)
    return None if folder is None else DeltaTable(str(folder)).to_pyarrow_dataset()


def published_cells(lake: Lake, weeks: list[dt.date]) -> list[tuple[str, int, int, int]]:
    """(region, local day of week, local hour, participant minutes) of the published
    usage_by_time_of_day cells of `weeks` (every week if none): at most 10 x 7 x 24 rows."""
    columns = ["report_week", "region", "local_dow", "local_hour", "participant_minutes"]
    dataset = _gold_dataset(lake, "usage_by_time_of_day")
    if dataset is None:
        return []
    table = dataset.to_table(columns=columns)
    if weeks:
        table = table.filter(pc.is_in(table["report_week"], value_set=pa.array(weeks, pa.date32())))
    grouped = table.group_by(["region", "local_dow", "local_hour"]).aggregate([("participant_minutes", "sum")])
    return list(
        zip(
            grouped["region"].to_pylist(),
            grouped["local_dow"].to_pylist(),
            grouped["local_hour"].to_pylist(),
            grouped["participant_minutes_sum"].to_pylist(),
            strict=True,
        )
    )


def _gold_rows(lake: Lake) -> list[tuple[str, int]]:
    # Row counts from the Parquet footers: no table is read whole just to be counted.
    datasets = ((name, _gold_dataset(lake, name)) for name in GOLD_DATASETS)
    return [(name, dataset.count_rows()) for name, dataset in datasets if dataset is not None]


def _refusal_view(lake: Lake, refusal: ReleaseRefused | None) -> dict | None:
    """What the page says about a refused release: names, counts and a lake-relative path."""
    if refusal is None:
        return None
    docs = gate_docs_dir(lake, refusal.recipient, refusal.dataset, refusal.release_id)
    return {
        "recipient": refusal.recipient,
        "dataset": refusal.dataset,
        "release_id": refusal.release_id,
        "suite": refusal.gate.suite,
        "expectations_run": refusal.gate.expectations_run,
        "failures": [(f.column or "(table)", f.expectation) for f in refusal.gate.failures],
        "docs": str((docs / "index.html").relative_to(lake.root)),
    }


def render_page(
    created: dt.datetime,
    k: int,
    weeks: str,
    png: bytes,
    stages: list,
    gold: list,
    releases: list[Path],
    refusal: dict | None = None,
) -> str:
    """The report's HTML (templates/run_report.html), the PNG embedded: it loads nothing, so it
    opens the same offline (raise OfflinePageError if it ever would)."""
    page = (
        html_templates("jobs.pipeline")
        .get_template("run_report.html")
        .render(
            created=f"{created:%Y-%m-%d %H:%M:%S}",
            k=k,
            weeks=weeks,
            png_base64=base64.b64encode(png).decode("ascii"),
            stages=stages,
            gold=gold,
            releases=[(r.parent.parent.name, r.parent.name, r.name) for r in releases],
            refusal=refusal,
        )
    )
    assert_offline(page, "the run report")
    return page
