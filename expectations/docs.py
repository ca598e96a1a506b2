"""GX Data Docs for one gate run: a static HTML site a privacy officer can open.

The pages are rendered from count-only results, so they never show a value.
"""

from __future__ import annotations

import html
from pathlib import Path

from expectations.result import GateResult

DOCS_SITE = "tollgate_gate"


def build_data_docs(context, docs_dir: Path) -> None:
    """Render the context's suite and its one validation result as a static site in docs_dir."""
    # The ephemeral context's own `local_site` points at a temporary folder; only ours is built.
    context.add_data_docs_site(
        DOCS_SITE,
        {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir.resolve()),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    context.build_data_docs(site_names=[DOCS_SITE])


def write_withheld_docs(docs_dir: Path, result: GateResult) -> None:
    """A one-page stand-in for GX's site when a column name is itself a PII value."""
    rows = "".join(
        f"<tr><td>{html.escape(failure.column or '(table)')}</td><td>{html.escape(failure.expectation)}</td></tr>"
        for failure in result.failures
    )
    docs_dir.mkdir(parents=True, exist_ok=True)
    (docs_dir / "index.html").write_text(
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>Gate {html.escape(result.suite)}</title></head><body>"
        f"<h1>Gate {html.escape(result.suite)}: {'passed' if result.success else 'refused'}</h1>"
        "<p>GX Data Docs withheld: a column name is itself a personal value, and GX pages"
        " spell out column names. Columns are given by position.</p>"
        f"<table><tr><th>column</th><th>check</th></tr>{rows}</table></body></html>\n",
        encoding="utf-8",
    )
