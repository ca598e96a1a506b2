"""The browser libraries of GX's Data Docs, fetched once at setup so no page loads them from a CDN.

`conf/web-assets.json` pins each npm package by version and by the sha512 of its tarball, lists
the files the pages need, and maps every CDN address GX 1.24.1 writes to one of those files.
`make setup` runs `python -m expectations.web_assets` once: `npm pack` (the machine's npm, its
own registry setting; no address is written here) fetches the tarballs, each is checked against
its pin, and only the listed files are unpacked into the git-ignored `.web-assets/`, beside a
copy of the address map (`urls.json`, written last: its presence means the folder is complete).
Nothing is fetched when a job runs; expectations/docs.py copies the folder into each site.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PINS = Path("conf", "web-assets.json")
ASSETS = ".web-assets"
URL_MAP = "urls.json"
_TARGET = re.compile(r"^(?P<name>@?[^@]+)@(?P<version>[^/]+)/(?P<path>.+)$")


class WebAssetsMissing(RuntimeError):
    """`.web-assets/` is missing or incomplete: `make setup` has not fetched it."""


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str
    files: tuple[str, ...]

    @property
    def folder(self) -> str:
        """Where its files go under .web-assets/files/: `@scope/name` 1.0 -> `scope-name-1.0`."""
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}"


def assets_dir() -> Path:
    """.web-assets/ of the project folder ($TOLLGATE_HOME when the code runs from a zip)."""
    home = os.environ.get("TOLLGATE_HOME")
    return Path(home, ASSETS) if home else PROJECT_ROOT / ASSETS


def vendored_urls(folder: Path | None = None) -> dict[str, str]:
    """CDN address -> file under `<folder>/files/`, from a fetched folder (raise WebAssetsMissing)."""
    folder = folder or assets_dir()
    try:
        return json.loads((folder / URL_MAP).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WebAssetsMissing(f"the Data Docs' browser libraries are not in {folder}; run `make setup`") from None


def read_pins(path: Path) -> tuple[list[Package], dict[str, str]]:
    """The pinned packages and the address map (address -> `<package folder>/<file>`)."""
    pins = json.loads(path.read_text(encoding="utf-8"))
    packages = [Package(p["name"], p["version"], p["integrity"], tuple(p["files"])) for p in pins["packages"]]
    folders = {(p.name, p.version): p.folder for p in packages}
    urls = {}
    for url, target in pins["urls"].items():
        match = _TARGET.match(target)
        if match is None or (match["name"], match["version"]) not in folders:
            raise ValueError(f"{path}: {url} names no pinned package ({target})")
        urls[url] = f"{folders[match['name'], match['version']]}/{match['path']}"
    return packages, urls


def sri_sha512(data: bytes) -> str:
    """The integrity string npm records for a tarball."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def fetch(pins_path: Path, dest: Path) -> None:
    """Fetch, check and unpack every pinned package into dest (replaced whole, or left as it was)."""
    packages, urls = read_pins(pins_path)
    work = dest.with_name(dest.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    (work / "tarballs").mkdir(parents=True)
    specs = [f"{p.name}@{p.version}" for p in packages]
    packed = subprocess.run(
        ["npm", "pack", "--ignore-scripts", "--json", "--pack-destination", str(work / "tarballs"), *specs],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    tarballs = {entry["id"]: work / "tarballs" / entry["filename"] for entry in json.loads(packed.stdout)}
    for package in packages:
        data = tarballs[f"{package.name}@{package.version}"].read_bytes()
        if sri_sha512(data) != package.integrity:
            raise SystemExit(f"{package.name}@{package.version}: tarball does not match its pin in {pins_path}")
        _unpack(data, package, work / "files" / package.folder)
    missing = sorted(target for target in urls.values() if not (work / "files" / target).is_file())
    if missing:
        raise SystemExit(f"{pins_path}: addresses map to files not unpacked: {', '.join(missing)}")
    shutil.rmtree(work / "tarballs")
    (work / URL_MAP).write_text(json.dumps(urls, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    shutil.rmtree(dest, ignore_errors=True)
    work.rename(dest)


def _unpack(tarball: bytes, package: Package, into: Path) -> None:
    """Only the listed files (patterns allowed), regular files only, never outside `into`."""
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in archive.getmembers():
            # npm tarballs keep everything under one top folder, `package/` for almost every package.
            _, _, inner = member.name.partition("/")
            if not member.isfile() or ".." in Path(inner).parts:
                continue
            if any(fnmatch.fnmatchcase(inner, pattern) for pattern in package.files):
                target = into / inner
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.extractfile(member).read())
    for pattern in package.files:
        if not any(into.glob(pattern)):
            raise SystemExit(f"{package.name}@{package.version}: no file {pattern} in its tarball")


if __name__ == "__main__":
    # python -m expectations.web_assets [DEST]: run from the project folder by `make setup`.
    fetch(PROJECT_ROOT / PINS, Path(sys.argv[1]) if len(sys.argv) > 1 else PROJECT_ROOT / ASSETS)
