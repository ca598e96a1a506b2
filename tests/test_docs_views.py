"""The gate's Data Docs views (expectations/docs_views.py): the pages of GX's own views, with
each template compiled once per process instead of once per view. No Spark (a pandas batch)."""

from __future__ import annotations

import re
from pathlib import Path

import great_expectations as gx
import jinja2
import pandas as pd

from expectations.docs_views import views_config
from tests.gx_pandas import pandas_context

SUITE = "daily_usage"


def _validated_context():
    context, batch = pandas_context(SUITE)
    checks = [
        gx.expectations.ExpectTableColumnsToMatchSet(column_set=["region", "distinct_accounts"]),
        gx.expectations.ExpectColumnValuesToBeBetween(column="distinct_accounts", min_value=10),
    ]
    suite = context.suites.add(gx.ExpectationSuite(name=SUITE, expectations=checks))
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=SUITE, data=batch, suite=suite))
    rows = pd.DataFrame({"region": ["eu", "us"], "distinct_accounts": [12, 9]})
    assert not definition.run(batch_parameters={"dataframe": rows}, result_format="BOOLEAN_ONLY").success
    return context


def _site(folder: Path, config: dict) -> dict[str, str]:
    """Build the one validation's site in folder: {page with its run time masked: text, masked}."""
    context = _validated_context()
    backend = {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(folder)}
    context.add_data_docs_site("site", {"class_name": "SiteBuilder", "store_backend": backend, **config})
    context.build_data_docs(site_names=["site"])
    stamp = re.compile(r"\d{8}T\d{6}(\.\d+)?Z|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?|_sort': [\d.]+")
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    return {
        stamp.sub("T", str(page.relative_to(folder))): uuid.sub("U", stamp.sub("T", page.read_text(encoding="utf-8")))
        for page in folder.rglob("*.html")
    }


def test_the_pages_are_those_of_gx_own_views_and_a_second_site_compiles_no_template(tmp_path, monkeypatch):
    ours = _site(tmp_path / "ours", views_config())
    compiled = []
    original = jinja2.Environment.compile

    def counting(self, source, *args, **kwargs):
        compiled.append(args[0] if args else kwargs.get("name"))
        return original(self, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    again = _site(tmp_path / "again", views_config())
    ours_compiled, compiled[:] = list(compiled), []
    theirs = _site(tmp_path / "theirs", {})

    assert len(ours) == 3 and ours == theirs == again  # index, suite page, validation page
    assert "daily_usage" in ours["index.html"]
    # GX's views compile each template again for every view; ours took them all from the cache.
    assert len(compiled) > 10
    assert ours_compiled == []
