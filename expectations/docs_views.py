"""GX's Data Docs page views, with their Jinja templates compiled once per process.

Each GX view builds a Jinja environment of its own, and a site build makes three views (index,
suite page, validation page), so every gate run compiled the same ~17 templates again for each
of them: at 7 releases a run, ~350 compilations (under cProfile ~5 of the Data Docs' 7.4 s;
without the profiler ~0.4 s a release on a slow 2-core machine). These views are GX's own,
configured by class name in the site's config (expectations/docs.py), with one shared in-memory
bytecode cache: Jinja keys it by template name and checks the source's checksum, so a template
is compiled once and the pages are the same.
"""

from __future__ import annotations

import jinja2
from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView


class _CompiledOnce(jinja2.BytecodeCache):
    """Compiled templates in memory, for every Jinja environment of the process."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _CompiledOnce()


class _SharedTemplates:
    """A GX view whose Jinja environment takes its compiled templates from _TEMPLATES."""

    def __init__(self, custom_styles_directory=None, custom_views_directory=None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)
        self.env.bytecode_cache = _TEMPLATES


class PageView(_SharedTemplates, DefaultJinjaPageView):
    """GX's suite and validation page view."""


class IndexPageView(_SharedTemplates, DefaultJinjaIndexPageView):
    """GX's site index view."""


def views_config() -> dict:
    """The site config's keys that name these views (the rest of GX's defaults kept)."""
    page = {"module_name": __name__, "class_name": PageView.__name__}
    return {
        "site_section_builders": {"expectations": {"view": page}, "validations": {"view": page}},
        "site_index_builder": {
            "class_name": "DefaultSiteIndexBuilder",
            "view": {"module_name": __name__, "class_name": IndexPageView.__name__},
        },
    }
