"""GX Data Docs for one gate run: a static HTML site a privacy officer can open, offline.

The pages are rendered from count-only results, so they never show a value. GX 1.24.1 writes
pages that load Bootstrap, jQuery, bootstrap-table, Vega and Font Awesome from public CDNs and
its logo from its own bucket: opened without internet they show an empty, unstyled list, and
with internet every look at a privacy report tells those hosts that someone is looking. So each
site gets copies of the libraries `make setup` fetched (expectations/web_assets.py) under
`static/vendor/`, and every CDN address in its pages is rewritten to the copy.

Fail closed: a site whose pages would still load anything from outside the machine is an error
(OfflinePageError, so the gate reports that it did not run), never a page written anyway. The
address map is fixed, so a new address can only come with a new GX release, which the test
suite builds sites with. Plain links out (GX's "Subscribe" footer) lose their href and stay as text.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
import os
import re
import shutil
from pathlib import Path

import jinja2

from expectations.docs_views import views_config
from expectations.result import GateResult
from expectations.web_assets import WebAssetsMissing, assets_dir, vendored_urls

DOCS_SITE = "tollgate_gate"
VENDOR = Path("static", "vendor")
GX_IMAGES = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
# GX copies its own logo into every site's static/images; the dark theme's logo it does not.
GX_IMAGE_FILES = {"logo-long.png": "logo-long.png", "full_logo_dark.png": "logo-long.png"}

log = logging.getLogger("tollgate.docs")
_URL = re.compile(r"""https?://[^\s"'()<>]+""")
_LINK_OUT = re.compile(r"""(<a\b[^>]*?)\s+href\s*=\s*["']\s*(?:https?:)?//[^"']*["']""", re.IGNORECASE)
_SITE_STATIC = re.compile(r"""(\b(?:src|href)\s*=\s*["'])(?:\.{1,2}/)*static/""", re.IGNORECASE)
_SRI_TAG = re.compile(r"""<(?:script|link)\b[^>]*\sintegrity\s*=[^>]*>""", re.IGNORECASE)
_ATTR = r"""\s{name}\s*=\s*["']([^"']*)["']"""
# Any attribute or CSS construct through which a page loads something from a host: `https://`,
# `http://` or a scheme-relative `//host`.
_LOADS_OUTSIDE = re.compile(
    r"""(?:\b(?:src|href|srcset|poster|data|action|formaction|background|xlink:href)\s*=\s*["']?\s*"""
    r"""|url\(\s*["']?\s*|@import\s+["']?\s*)(?:[a-z][a-z0-9+.-]*:)?//""",
    re.IGNORECASE,
)


class OfflinePageError(RuntimeError):
    """A page would load something from outside the machine; the message names no value."""


def build_data_docs(context, docs_dir: Path) -> None:
    """Render the context's suite and its one validation result as a static site in docs_dir,
    every library it loads served from the site's own folder (raise OfflinePageError otherwise)."""
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
            **views_config(),
        },
    )
    context.build_data_docs(site_names=[DOCS_SITE])
    try:
        make_site_offline(docs_dir)
    except (OfflinePageError, WebAssetsMissing) as error:
        # The gate's own error names only the exception's type: say here what to do about it.
        log.error("Data Docs in %s not finished: %s", docs_dir, error)
        raise


def make_site_offline(docs_dir: Path, assets: Path | None = None) -> None:
    """Copy the fetched libraries into docs_dir/static/vendor and point every page at them."""
    assets = assets or assets_dir()
    urls = vendored_urls(assets)
    shutil.copytree(assets / "files", docs_dir / VENDOR, dirs_exist_ok=True)
    pages = sorted(docs_dir.rglob("*.html")) + sorted((docs_dir / "static" / "styles").glob("*.css"))
    for page in pages:
        text = page.read_text(encoding="utf-8")
        local = _local_addresses(text, page.parent, docs_dir, urls)
        if page.suffix == ".html":
            # GX 1.24.1 points a validation page's favicon one folder short; `static/` is the root's.
            static = Path(os.path.relpath(docs_dir / "static", page.parent)).as_posix()
            local = _SITE_STATIC.sub(rf"\g<1>{static}/", local)
        local = _verified_without_sri(_LINK_OUT.sub(r"\1", local), page, docs_dir)
        if local != text:
            page.write_text(local, encoding="utf-8")
    for page in sorted(docs_dir.rglob("*.html")) + sorted(docs_dir.rglob("*.css")):
        assert_offline(page.read_text(encoding="utf-8"), str(page.relative_to(docs_dir)))


def assert_offline(text: str, what: str) -> None:
    """Raise OfflinePageError if an HTML or CSS text would load anything from another host."""
    if _LOADS_OUTSIDE.search(text):
        raise OfflinePageError(f"{what} would load a resource from outside the machine")


def _local_addresses(text: str, page_dir: Path, docs_dir: Path, urls: dict[str, str]) -> str:
    def local(match: re.Match) -> str:
        address = match.group(0).split("?", 1)[0]  # GX's logo address carries a cache-busting query
        if address in urls:
            target = docs_dir / VENDOR / urls[address]
        elif address.removeprefix(GX_IMAGES) in GX_IMAGE_FILES:
            target = docs_dir / "static" / "images" / GX_IMAGE_FILES[address.removeprefix(GX_IMAGES)]
        else:
            return match.group(0)
        return Path(os.path.relpath(target, page_dir)).as_posix()

    return _URL.sub(local, text)


def _verified_without_sri(text: str, page: Path, docs_dir: Path) -> str:
    """Check each `integrity` hash against the local copy, then drop it with `crossorigin`:
    Chromium refuses both on file:// (SRI needs a CORS response, and file:// has no CORS)."""

    def verified(match: re.Match) -> str:
        tag = match.group(0)
        source = re.search(_ATTR.format(name="(?:src|href)"), tag)
        [integrity] = re.findall(_ATTR.format(name="integrity"), tag)
        algorithm, _, expected = integrity.partition("-")
        local = (page.parent / source.group(1)).resolve() if source else None
        if local is None or not local.is_relative_to(docs_dir.resolve()) or not local.is_file():
            raise OfflinePageError(f"{page.relative_to(docs_dir)}: a hashed library has no local copy")
        digest = base64.b64encode(hashlib.new(algorithm, local.read_bytes()).digest()).decode("ascii")
        if digest != expected:
            raise OfflinePageError(f"{page.relative_to(docs_dir)}: {source.group(1)} does not match its integrity hash")
        return re.sub(r"""\s(?:integrity|crossorigin)\s*=\s*["'][^"']*["']""", "", tag)

    return _SRI_TAG.sub(verified, text)


@functools.cache
def html_templates(package: str = "expectations") -> jinja2.Environment:
    """The Jinja2 templates of `package`'s templates/ folder, for every page Tollgate writes.

    Autoescape everything: a suite, check or dataset name is text, never markup.
    """
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        keep_trailing_newline=True,
    )


def write_withheld_docs(docs_dir: Path, result: GateResult) -> None:
    """A one-page stand-in for GX's site when a column name is itself a PII value."""
    page = (
        html_templates()
        .get_template("withheld_docs.html")
        .render(suite=result.suite, success=result.success, failures=result.failures)
    )
    assert_offline(page, "the withheld-docs page")
    docs_dir.mkdir(parents=True, exist_ok=True)
    (docs_dir / "index.html").write_text(page, encoding="utf-8")
