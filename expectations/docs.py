"""GX Data Docs for one gate run: a static HTML site a privacy officer can open.

The pages are rendered from count-only results, so they never show a value.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2

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


@functools.cache
def _templates() -> jinja2.Environment:
    # Autoescape everything: a suite or check name is text, never markup.
    return jinja2.Environment(
        loader=jinja2.PackageLoader("expectations", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        keep_trailing_newline=True,
    )


def write_withheld_docs(docs_dir: Path, result: GateResult) -> None:
    """A one-page stand-in for GX's site when a column name is itself a PII value."""
    page = (
        _templates()
        .get_template("withheld_docs.html")
        .render(suite=result.suite, success=result.success, failures=result.failures)
    )
    docs_dir.mkdir(parents=True, exist_ok=True)
    (docs_dir / "index.html").write_text(page, encoding="utf-8")
