"""The run report and the gate's Data Docs work offline: opened in a real headless Chromium with
the network off (tests/headless_chromium.py), they render (the validation list has its row,
the styles and scripts load, the heat map shows) and every request stays on the machine.

No Spark: the Data Docs are GX's own site builder run on a validation of a small pandas
DataFrame, and the run report is its template rendered with a heat map of made-up cells. The
tests marked `browser` need Debian's chromium (`make test-browser` installs it). Set
TOLLGATE_SCREENSHOTS to a folder to save what the browser showed (docs/screenshots/).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
from pathlib import Path

import great_expectations as gx
import pandas as pd
import pytest

from expectations.docs import build_data_docs, write_withheld_docs
from expectations.result import GateFailure, GateResult
from expectations.web_assets import vendored_urls
from jobs.pipeline.report import _stage_rows, heatmap_figure, png_bytes, render_page
from jobs.pipeline.result import RunResult
from jobs.stages.anonymize import AnonymizeReport
from jobs.stages.ingest_report import FileCount, IngestReport
from tests.gx_pandas import pandas_context
from tests.headless_chromium import CHROMIUM, LOCAL_SCHEMES, Chromium
from transforms.vocabulary import REGIONS

SUITE = "open-research.daily_usage"
ROWS = "document.querySelectorAll('table.ge-index-page-validation-results-table tbody tr[data-index]')"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no chromium: `make test-browser` installs it"),
]


@pytest.fixture(scope="module")
def gate_site(tmp_path_factory) -> Path:
    """GX Data Docs of one refused validation (two checks fail), built as the gate builds them."""
    context, batch = pandas_context(SUITE)
    checks = [
        gx.expectations.ExpectTableColumnsToMatchSet(column_set=["local_date", "region", "distinct_accounts"]),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="region"),
        gx.expectations.ExpectColumnValuesToBeInSet(column="region", value_set=list(REGIONS)),
        gx.expectations.ExpectColumnValuesToBeBetween(column="distinct_accounts", min_value=10),
    ]
    suite = context.suites.add(gx.ExpectationSuite(name=SUITE, expectations=checks))
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=SUITE, data=batch, suite=suite))
    rows = {"local_date": ["2026-11-30"] * 3, "region": ["eu", "us", None], "distinct_accounts": [12, 40, 9]}
    assert not definition.run(batch_parameters={"dataframe": pd.DataFrame(rows)}, result_format="BOOLEAN_ONLY").success
    docs = tmp_path_factory.mktemp("gate_docs")
    build_data_docs(context, docs)
    return docs


def minutes(region_index: int, dow: int, hour: int) -> int:
    """A working-day rhythm, busier for later regions, quieter at weekends and at lunch."""
    day = math.exp(-((hour - 10) ** 2) / 6) + 0.8 * math.exp(-((hour - 15) ** 2) / 5)
    return round((region_index + 1) * 250 * (1 if dow <= 5 else 0.25) * day * (1 + 0.1 * math.sin(dow * hour)))


@pytest.fixture(scope="module")
def run_report(tmp_path_factory) -> Path:
    """A run report: the real template and heat map, made-up counts and cells."""
    cells = [
        (region, dow, hour, minutes(n, dow, hour))
        for n, region in enumerate(REGIONS)
        for dow in range(1, 8)
        for hour in range(24)
        if minutes(n, dow, hour) >= 25  # what suppression leaves: no cell of a few calls
    ]
    files = [FileCount("cdr", "legs.jsonl", 20_512, 20_480, 32), FileCount("usage", "access.log", 9_020, 9_000, 20)]
    release = Path("exports", "open-research", "daily_usage", "20261201T080000Z")
    result = RunResult(
        IngestReport(files=files),
        AnonymizeReport(
            legs_in=20_480,
            legs_silver=20_311,
            legs_unknown_account=9,
            legs_minor_excluded=160,
            web_requests_silver=9_000,
        ),
        weeks=[dt.date(2026, 11, 23)],
        releases=[release],
        seconds={"ingest": 21.4, "anonymize": 17.9, "aggregate": 30.2, "export": 12.6},
    )
    page = render_page(
        dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC),
        10,
        "2026-11-23",
        png_bytes(heatmap_figure(cells, "Participant minutes by local hour and day of week (weeks of 2026-11-23)")),
        _stage_rows(result),
        [("usage_by_time_of_day", 2_604), ("daily_usage", 140), ("call_quality", 312), ("web_usage_by_hour", 96)],
        result.releases,
    )
    path = tmp_path_factory.mktemp("reports") / "run-20261201T080000Z.html"
    path.write_text(page, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser():
    chromium = Chromium()
    yield chromium
    chromium.close()


def only_local(requests: list[str]) -> list[str]:
    return [url for url in requests if not url.startswith(LOCAL_SCHEMES)]


def screenshot(browser: Chromium, name: str) -> None:
    folder = os.environ.get("TOLLGATE_SCREENSHOTS")
    if folder:
        browser.screenshot(Path(folder, name))


def test_data_docs_index_lists_the_validation_with_the_network_off(browser, gate_site):
    load = browser.open(gate_site / "index.html")
    assert (load.blocked, load.failed, only_local(load.requests)) == ([], [], [])
    vendored = {url.split("/static/vendor/", 1)[1] for url in load.requests if "/static/vendor/" in url}
    assert len(vendored) >= 15  # every library GX's index asks for, each from the site's own folder
    assert browser.evaluate(f"{ROWS}.length") == 1
    assert SUITE in browser.evaluate(f"{ROWS}[0].innerText")
    # Styled and scripted: Bootstrap's sticky navbar, bootstrap-table and Vega are there.
    assert browser.evaluate("getComputedStyle(document.querySelector('nav.navbar')).position") == "sticky"
    assert browser.evaluate("typeof jQuery.fn.bootstrapTable + typeof vegaEmbed") == "functionfunction"
    assert browser.evaluate("document.fonts.check('900 16px \"Font Awesome 6 Free\"')") is True
    assert browser.evaluate("document.querySelector('nav img').naturalWidth") > 0  # GX's logo, its local copy
    screenshot(browser, "data-docs-index.png")


def test_every_data_docs_page_loads_only_files_of_its_own_site(browser, gate_site):
    pages = sorted(gate_site.rglob("*.html"))
    assert len(pages) == 3  # the index, the suite, the one validation
    for page in pages:
        load = browser.open(page)
        assert (load.blocked, load.failed, only_local(load.requests)) == ([], [], []), page
        site = gate_site.resolve().as_uri()
        assert all(url.startswith((site, "data:")) for url in load.requests), page
        assert browser.evaluate("document.querySelectorAll('.ge-section').length") > 0
        if "validations" in page.relative_to(gate_site).parts:
            screenshot(browser, "data-docs-validation.png")


def test_run_report_shows_its_heat_map_with_the_network_off(browser, run_report):
    load = browser.open(run_report)
    assert (load.blocked, load.failed, only_local(load.requests)) == ([], [], [])
    assert [url[:22] for url in load.requests[1:]] == ["data:image/png;base64,"]
    assert browser.evaluate("document.querySelector('img').naturalWidth") == 1200
    assert browser.evaluate("document.querySelectorAll('table tr').length") == 5 + 5 + 2  # with their headers
    screenshot(browser, "run-report.png")


def test_withheld_docs_page_loads_nothing(browser, tmp_path):
    write_withheld_docs(tmp_path, GateResult("adhoc.names", False, 3, (GateFailure("#2", "expect_x"),)))
    load = browser.open(tmp_path / "index.html")
    assert (load.blocked, load.failed, load.requests) == ([], [], [(tmp_path / "index.html").resolve().as_uri()])


def test_a_page_that_reaches_out_is_caught_and_shows_an_empty_list(browser, gate_site, tmp_path):
    """The checks above can fail: put one CDN address back, and the browser tries it (blocked)
    and, without jQuery, the list stays empty, as every GX page did offline before."""
    site = tmp_path / "site"
    shutil.copytree(gate_site, site)
    index = site / "index.html"
    [cdn] = [url for url, file in vendored_urls().items() if file.endswith("jquery.min.js")]
    local = next(path for path in vendored_urls().values() if path.endswith("jquery.min.js"))
    index.write_text(index.read_text(encoding="utf-8").replace(f"static/vendor/{local}", cdn), encoding="utf-8")
    load = browser.open(index)
    assert load.blocked == [cdn] and only_local(load.requests) == [cdn]
    assert browser.evaluate(f"{ROWS}.length") == 0
