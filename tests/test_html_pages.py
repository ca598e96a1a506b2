"""The HTML pages come from autoescaped Jinja2 templates that ship with the package. No Spark."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import zipfile
from pathlib import Path

from expectations.docs import write_withheld_docs
from expectations.result import GateFailure, GateResult
from jobs.lake.layout import Lake
from jobs.lake.session import PROJECT_ROOT
from jobs.pipeline.report import _refusal_view, _stage_rows, render_page
from jobs.pipeline.result import RunResult
from jobs.release.publish import ReleaseRefused

CREATED = dt.datetime(2026, 12, 1, 8, 0, 0, tzinfo=dt.UTC)
BETWEEN = "expect_column_values_to_be_between"
MARKUP = "<script>alert(1)</script>"


def _refusal() -> ReleaseRefused:
    gate = GateResult(
        suite="strict-research.usage_by_time_of_day",
        success=False,
        expectations_run=25,
        failures=(GateFailure("distinct_accounts", BETWEEN), GateFailure(None, "expect_table_columns_to_match_set")),
    )
    return ReleaseRefused("release", "strict-research", "usage_by_time_of_day", "20261201T080000Z", gate)


def test_refusal_keeps_the_message_the_command_line_prints():
    refusal = _refusal()
    assert str(refusal) == (
        "release strict-research/usage_by_time_of_day refused: distinct_accounts: "
        f"{BETWEEN}, (table): expect_table_columns_to_match_set"
    )
    assert refusal.published_before == ()


def test_refused_run_page_names_the_release_its_checks_and_its_docs(tmp_path):
    lake = Lake(tmp_path / "lake")
    refusal = _refusal()
    published = tmp_path / "exports" / "open-research" / "daily_usage" / "20261201T075959Z"
    stages = _stage_rows(RunResult(releases=[published], seconds={"export": 4.0}), refusal)
    page = render_page(CREATED, 10, "2026-11-30", b"png", stages, [], [published], _refusal_view(lake, refusal))
    for text in (
        "<h2>Refused by the privacy gate</h2>",
        "release 20261201T080000Z of usage_by_time_of_day for strict-research",
        "2 failure(s) below, from 25 checks run",
        f"<tr><td>distinct_accounts</td><td>{BETWEEN}</td></tr>",
        "<tr><td>(table)</td><td>expect_table_columns_to_match_set</td></tr>",
        "_gate_docs/strict-research/usage_by_time_of_day/20261201T080000Z/index.html",
        "<td>export</td><td>4.0</td><td>releases published: 1; refused: strict-research/usage_by_time_of_day</td>",
        "<td>open-research</td><td>daily_usage</td><td>20261201T075959Z</td>",
    ):
        assert text in page, text
    assert str(tmp_path) not in page


def test_run_page_without_a_refusal_has_no_refusal_section():
    page = render_page(CREATED, 10, "none", b"png", [], [], [])
    assert "Refused" not in page and page.endswith("</body></html>\n")
    assert "<title>Tollgate run 2026-12-01 08:00:00 UTC</title>" in page


def test_run_page_escapes_every_value():
    page = render_page(CREATED, 10, MARKUP, b"png", [("ingest", "1.0", MARKUP)], [(MARKUP, 1)], [])
    assert MARKUP not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 3


def test_withheld_docs_page_names_columns_by_position_and_escapes(tmp_path):
    result = GateResult(f"adhoc.{MARKUP}", False, 3, (GateFailure("#2", "expect_x"), GateFailure(None, "expect_y")))
    write_withheld_docs(tmp_path, result)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert MARKUP not in page and "&lt;script&gt;" in page
    assert "<tr><td>#2</td><td>expect_x</td></tr>" in page and "<tr><td>(table)</td><td>expect_y</td></tr>" in page
    assert re.search(r"<h1>Gate adhoc\.\S+: refused</h1>", page)
    assert "GX Data Docs withheld" in page


def test_templates_ship_in_the_package_zip(tmp_path):
    templates = [
        str(path.relative_to(PROJECT_ROOT))
        for package in ("jobs", "transforms", "expectations")
        for path in sorted((PROJECT_ROOT / package).rglob("templates/*.html"))
    ]
    assert templates, "no templates found"
    subprocess.run(["make", "-s", "package", f"DIST={tmp_path}"], cwd=PROJECT_ROOT, check=True, capture_output=True)
    with zipfile.ZipFile(Path(tmp_path) / "tollgate-jobs.zip") as package:
        shipped = set(package.namelist())
    assert set(templates) <= shipped
    assert "expectations/manifest.schema.json" in shipped
