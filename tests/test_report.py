"""The run report: one self-contained HTML file, gold aggregates and stage counts only."""

from __future__ import annotations

import base64
import re
import struct

from jobs.lake.frames import local_frame
from jobs.lake.layout import Lake
from jobs.pipeline.report import heatmap_figure, png_bytes, write_run_report
from jobs.pipeline.run import RunResult
from jobs.stages.anonymize import AnonymizeReport
from jobs.stages.ingest_report import FileCount, IngestReport
from tests.gold_fixtures import USAGE_SCHEMA, WEEK, usage_rows

LANDING_FILE = "export-of-jane-roe.jsonl"  # a landing file name can say who it is about


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG, from its IHDR chunk; fails on anything that is not a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _result(weeks, release) -> RunResult:
    ingest = IngestReport(files=[FileCount("cdr", LANDING_FILE, 40, 37, 3), FileCount("usage", "access.log", 9, 8, 1)])
    anonymize = AnonymizeReport(
        legs_in=37, legs_silver=35, legs_unknown_account=1, legs_minor_excluded=1, web_requests_silver=8
    )
    seconds = {"ingest": 1.25, "anonymize": 2.0, "aggregate": 3.5, "export": 0.75}
    return RunResult(ingest, anonymize, weeks, [release], seconds)


def test_report_embeds_the_heat_map_and_counts_and_nothing_else(spark, tmp_path):
    lake = Lake(tmp_path / "lake")
    local_frame(spark, usage_rows(), USAGE_SCHEMA).write.format("delta").save(lake.gold("usage_by_time_of_day"))
    release = tmp_path / "exports" / "acme-research" / "usage_by_time_of_day" / "20261201T080000Z"
    path = write_run_report(lake, _result([WEEK], release), k=10)
    assert path.parent == lake.root / "_reports" and re.fullmatch(r"run-\d{8}T\d{6}Z\.html", path.name)
    page = path.read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 1
    width, height = png_size(base64.b64decode(images[0]))
    assert width >= 600 and height >= 150
    for text in (
        "read 40 = accepted 37 + quarantined 3",
        "CDR legs 37 -&gt; silver 35",
        "web requests -&gt; silver 8",
        "<td>aggregate</td><td>3.5</td>",
        "<td>usage_by_time_of_day</td><td>2</td>",
        "<td>acme-research</td><td>usage_by_time_of_day</td><td>20261201T080000Z</td>",
        "k = 10",
        WEEK.isoformat(),
    ):
        assert text in page, text
    assert LANDING_FILE not in page and str(tmp_path) not in page
    # A second run in the same second gets its own file.
    again = write_run_report(lake, _result([WEEK], release), k=10)
    assert again != path and path.exists()


def test_report_without_gold_tables_still_writes_a_page(tmp_path):
    path = write_run_report(Lake(tmp_path / "lake"), _result([], tmp_path / "r" / "d" / "x"), k=10)
    page = path.read_text(encoding="utf-8")
    assert "Report weeks: none" in page and "data:image/png;base64," in page


def test_heat_map_places_each_cell_by_day_and_hour():
    figure = heatmap_figure([("eu", 7, 23, 50), ("us", 1, 9, 120), ("us", 1, 10, 30)])
    panels = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["us: 150 min", "eu: 50 min"]
    grid = panels[0].images[0].get_array()
    assert (grid[0, 9], grid[0, 10], bool(grid.mask[6, 23])) == (120, 30, True)
    width, height = png_size(png_bytes(figure))
    assert width == 1200 and height > 200
