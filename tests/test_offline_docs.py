"""Data Docs made offline without a browser: the CDN map covers what GX writes, a site's pages are
pointed at its own copies, anything else that would load from outside is refused, and setup
refuses a tarball that does not match its pin. No Spark, no network (npm is stood in for)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import subprocess
import tarfile
from pathlib import Path

import great_expectations
import pytest

from expectations import web_assets
from expectations.docs import GX_IMAGE_FILES, GX_IMAGES, OfflinePageError, assert_offline, make_site_offline
from expectations.web_assets import PINS, PROJECT_ROOT, WebAssetsMissing, read_pins, sri_sha512
from jobs.pipeline.report import heatmap_figure

GX_VIEW = Path(great_expectations.__file__).parent / "render" / "view"
CDN = "https://cdn.example.org/lib@1/lib.min.js"
LIB = b"window.lib = 1;\n"


def test_every_address_gx_loads_from_is_pinned():
    """A GX upgrade that adds a CDN address fails here before it fails a gate run."""
    _, urls = read_pins(PROJECT_ROOT / PINS)
    # The HTML templates (markdown_*.j2 render Markdown, not pages) and GX's style sheets; a link
    # (`<a href=...>`) is not loaded by the page, so only other addresses count.
    sources = [p for p in GX_VIEW.glob("templates/*.j2") if not p.name.startswith("markdown_")]
    found = {
        url
        for source in [*sources, *GX_VIEW.glob("static/styles/*.css")]
        for url in re.findall(r"""(?<!<a href=")https?://[^\s"'()<>{}]+""", source.read_text(encoding="utf-8"))
    }
    assert found, "no address found: has GX moved its templates?"
    gx_images = {GX_IMAGES + name for name in ("", *GX_IMAGE_FILES)}  # "": the logo's folder in a template
    assert sorted(found - set(urls) - gx_images) == []


def fake_assets(folder: Path) -> Path:
    (folder / "files" / "lib-1.0").mkdir(parents=True)
    (folder / "files" / "lib-1.0" / "lib.min.js").write_bytes(LIB)
    (folder / "urls.json").write_text(json.dumps({CDN: "lib-1.0/lib.min.js"}))
    return folder


def site_with(tmp_path: Path, page: str) -> Path:
    docs = tmp_path / "docs"
    (docs / "validations" / "suite").mkdir(parents=True)
    (docs / "static" / "images").mkdir(parents=True)
    (docs / "validations" / "suite" / "run.html").write_text(page, encoding="utf-8")
    return docs


def test_site_pages_point_at_their_own_copies(tmp_path):
    sri = "sha384-" + base64.b64encode(hashlib.sha384(LIB).digest()).decode()
    docs = site_with(
        tmp_path,
        f'<link rel="icon" href="../static/images/favicon.ico"><script src="{CDN}" integrity="{sri}" '
        f'crossorigin="anonymous"></script><img src="{GX_IMAGES}logo-long.png?d=20261201">'
        '<a href="https://greatexpectations.io/newsletter">Subscribe</a>',
    )
    make_site_offline(docs, fake_assets(tmp_path / "assets"))
    page = (docs / "validations" / "suite" / "run.html").read_text(encoding="utf-8")
    assert page == (
        '<link rel="icon" href="../../static/images/favicon.ico">'
        '<script src="../../static/vendor/lib-1.0/lib.min.js"></script>'
        '<img src="../../static/images/logo-long.png"><a>Subscribe</a>'
    )
    assert (docs / "static" / "vendor" / "lib-1.0" / "lib.min.js").read_bytes() == LIB


def test_a_library_that_does_not_match_its_integrity_hash_is_refused(tmp_path):
    docs = site_with(tmp_path, f'<script src="{CDN}" integrity="sha384-AAAA" crossorigin="anonymous"></script>')
    with pytest.raises(OfflinePageError, match="does not match its integrity hash"):
        make_site_offline(docs, fake_assets(tmp_path / "assets"))


def test_an_address_outside_the_map_fails_the_site_and_the_message_names_no_address(tmp_path):
    docs = site_with(tmp_path, '<script src="https://cdn.elsewhere.example/x.js"></script>')
    with pytest.raises(OfflinePageError) as refused:
        make_site_offline(docs, fake_assets(tmp_path / "assets"))
    assert "validations/suite/run.html" in str(refused.value) and "elsewhere" not in str(refused.value)


def test_a_site_without_the_fetched_libraries_is_refused(tmp_path):
    with pytest.raises(WebAssetsMissing, match="make setup"):
        make_site_offline(site_with(tmp_path, "<p>ok</p>"), tmp_path / "never-fetched")


@pytest.mark.parametrize(
    "text",
    [
        '<script src="https://x.example/a.js">',
        "<link rel='stylesheet' href='http://x.example/a.css'>",
        '<img data-src="//x.example/a.png">',
        '<img srcset="https://x.example/a.png 2x">',
        "<style>body { background: url( '//x.example/a.png') }</style>",
        '<style>@import "https://x.example/a.css";</style>',
        '<iframe SRC = "HTTPS://x.example/">',
    ],
)
def test_every_way_a_page_loads_from_a_host_is_caught(text):
    with pytest.raises(OfflinePageError):
        assert_offline(text, "page")


def test_what_loads_nothing_passes():
    assert_offline(
        '<svg xmlns="http://www.w3.org/2000/svg"></svg><a href="#top">top</a><p>see https://example.org</p>'
        '<img src="data:image/png;base64,AAAA"><link href="static/vendor/x.css">',
        "page",
    )


def tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture()
def npm_serves(monkeypatch):
    """Stand in for `npm pack`: write the given tarball where npm would, report it as npm does."""

    def serve(data: bytes):
        def pack(argv, **_):
            destination = Path(argv[argv.index("--pack-destination") + 1])
            (destination / "lib-1.0.0.tgz").write_bytes(data)
            return subprocess.CompletedProcess(argv, 0, json.dumps([{"id": "lib@1.0.0", "filename": "lib-1.0.0.tgz"}]))

        monkeypatch.setattr(web_assets.subprocess, "run", pack)

    return serve


def write_pins(path: Path, integrity: str) -> Path:
    pins = {
        "packages": [{"name": "lib", "version": "1.0.0", "integrity": integrity, "files": ["dist/*.js"]}],
        "urls": {CDN: "lib@1.0.0/dist/lib.min.js"},
    }
    path.write_text(json.dumps(pins))
    return path


def test_setup_unpacks_only_the_listed_files_of_a_matching_tarball(tmp_path, npm_serves):
    data = tarball({"package/dist/lib.min.js": LIB, "package/README.md": b"x", "package/../../evil.js": b"x"})
    npm_serves(data)
    web_assets.fetch(write_pins(tmp_path / "pins.json", sri_sha512(data)), tmp_path / "assets")
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["assets/files/lib-1.0.0/dist/lib.min.js", "assets/urls.json", "pins.json"]
    assert web_assets.vendored_urls(tmp_path / "assets") == {CDN: "lib-1.0.0/dist/lib.min.js"}


def test_setup_refuses_a_tarball_that_does_not_match_its_pin(tmp_path, npm_serves):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "urls.json").write_text("{}")  # what an earlier setup left
    npm_serves(tarball({"package/dist/lib.min.js": b"window.lib = 'tampered';"}))
    pins = write_pins(tmp_path / "pins.json", sri_sha512(tarball({"package/dist/lib.min.js": LIB})))
    with pytest.raises(SystemExit, match="does not match its pin"):
        web_assets.fetch(pins, tmp_path / "assets")
    assert (tmp_path / "assets" / "urls.json").read_text() == "{}"


def test_heat_map_panels_each_have_a_colour_scale_in_participant_minutes():
    figure = heatmap_figure([("eu", 7, 23, 50), ("us", 1, 9, 120), ("us", 1, 10, 30)])
    panels = [ax for ax in figure.axes if ax.get_visible()]
    scales = [child for ax in panels for child in ax.child_axes]
    assert len(scales) == len(panels) == 2
    assert [scale.get_ylabel() for scale in scales] == ["participant minutes"] * 2
    assert scales[0].get_ylim() == (30.0, 120.0)  # the us panel: its own cells' range
