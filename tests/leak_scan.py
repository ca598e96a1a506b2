"""Scanning written files for planted values, in every form a leak could take."""

from __future__ import annotations

import ipaddress
import json
import re
import unicodedata
import urllib.parse
from pathlib import Path

import pyarrow.parquet as pq

# Invisible characters a value can hide behind: zero-width space, non-joiner and joiner,
# word joiner, byte-order mark, soft hyphen.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
MIN_FORM = 5  # shorter forms (a 4-digit tail, a first name like "Ann") match by chance


def canonical(value: str) -> str:
    """NFKC (fullwidth ＠ and digits become ASCII), invisible characters removed, casefolded."""
    return unicodedata.normalize("NFKC", value).translate(INVISIBLE).casefold()


def normalised_forms(value: str) -> set[str]:
    """`value` as planted and every normalised form a pipeline could turn it into: canonical,
    accents stripped, digits only (E.164, national), each part of an email or a name, the
    forms of an IP address, and each of those percent- or JSON-escaped."""
    plain = canonical(value)
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", plain) if not unicodedata.combining(ch))
    forms = {value, value.lower(), plain, folded}
    digits = re.sub(r"\D", "", plain)
    if len(digits) >= 10:
        forms |= {digits, "+" + digits, digits[-10:]}
    if "@" in plain:
        forms |= set(plain.rsplit("@", 1)[0].split("+"))
    elif address := _ip_address(plain):
        forms |= {address.compressed, address.exploded}
    else:
        words = {word for text in (plain, folded) for word in re.split(r"[\s,]+", text)}
        forms |= words | {part for word in words for part in word.split("-")}
    forms |= {escaped for form in set(forms) for escaped in _escapes(form)}
    return {form for form in forms if len(form) >= MIN_FORM}


def _ip_address(text: str):
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def _escapes(form: str) -> set[str]:
    return {
        urllib.parse.quote(form),
        urllib.parse.quote(form, safe=""),
        urllib.parse.quote_plus(form),
        json.dumps(form)[1:-1],
    }


def leaked_forms(forms: set[str], haystack: bytes, lowered: bytes | None = None) -> list[str]:
    """The forms found in `haystack`, in any case (ASCII case-insensitive); pass `lowered`
    (haystack.lower()) when scanning one haystack for many values."""
    lowered = haystack.lower() if lowered is None else lowered
    return sorted(form for form in forms if form.encode() in haystack or form.lower().encode() in lowered)


def every_byte_and_value(folder: Path, skip: str | None = None) -> bytes:
    """Raw bytes of every file (each distinct content once), plus every Parquet value decoded
    (data pages are compressed), once as the rows' repr and once as the bare text of every
    value (repr escapes invisible characters, which would hide a value planted with them).
    `skip` leaves out the files under folders of that name."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not (skip and skip in p.relative_to(folder).parts))
    tables = [pq.read_table(p) for p in files if p.suffix == ".parquet"]
    decoded = [str(table.to_pylist()).encode() for table in tables]
    bare = ["\n".join(_texts(table.to_pylist())).encode() for table in tables]
    # Each distinct content once: Data Docs repeat the same static files in every release.
    contents = dict.fromkeys(p.read_bytes() for p in files)
    return b"\n".join(contents) + b"".join(decoded) + b"\n".join(bare)


# The clock's own digits: GX names each validation run by its UTC time (20261202T001132.123456Z),
# dates it in ISO form and as "2026-12-02 00:11:32 UTC", and sorts runs by its epoch seconds
# (`_run_time_sort`); a planted phone group such as "001132" or "22092" can match them by chance.
CLOCK_TIMES = re.compile(
    rb"\d{8}T\d{6}(?:\.\d+)?Z?"
    rb"|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z| UTC|[+-]\d\d:?\d\d)?"
    rb"|(?<=_run_time_sort['\"]: )\d+(?:\.\d+)?"
)


def without_clock_times(haystack: bytes) -> bytes:
    """`haystack` with every run time GX wrote replaced by a marker that holds no digit."""
    return CLOCK_TIMES.sub(b"<time>", haystack)


def _texts(value) -> list[str]:
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (str(key), *_texts(item))]
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in _texts(item)]
    return [] if value is None else [str(value)]
