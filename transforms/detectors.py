"""PII value detectors as Spark Column expressions: built-in functions only, no Python UDFs.

Each detector takes a string column and returns a boolean column that is never null (a null
value holds no PII). A cheap `instr` / `length` test runs first, so most values never reach
a regex (transforms/pii_patterns.py). Card, phone and IBAN extract candidates with
`regexp_extract_all` and check each with a SQL higher-order function (Luhn, mod 97, shape:
transforms/pii_checks.py).

Example:
    df.select(pii_kinds(F.col("notes")).alias("kinds"), has_pii(F.col("notes")).alias("pii"))
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce

from pyspark.sql import Column
from pyspark.sql import functions as F

from transforms.pii_checks import IS_CARD, IS_IBAN, IS_PHONE, luhn_sql, mod97_sql
from transforms.pii_patterns import (
    CARD_CANDIDATE,
    EMAIL,
    IBAN_CANDIDATE,
    IPV4,
    IPV6,
    PHONE_CANDIDATE,
    SIP_URI,
    US_SSN,
)


def _never_null(condition: Column) -> Column:
    return F.coalesce(condition, F.lit(False))


def _any_candidate(col: Column, pattern: str, is_valid_sql: str) -> Column:
    candidates = F.regexp_extract_all(col, F.lit(pattern), 0)
    return F.call_function("exists", candidates, F.expr(is_valid_sql))


def passes_luhn(digits: Column) -> Column:
    """True when a string of decimal digits passes the Luhn (mod 10) check."""
    return F.call_function("exists", F.array(digits), F.expr(f"d -> {luhn_sql('d')}"))


def passes_iban_mod97(iban: Column) -> Column:
    """True when an upper-case IBAN without spaces has the ISO 7064 mod 97-10 remainder 1."""
    return F.call_function("exists", F.array(iban), F.expr(f"v -> {mod97_sql('v')}"))


def looks_like_email(col: Column) -> Column:
    """An email address anywhere in the value, also URL-encoded (`jane%40example.com`)."""
    has_at = (F.instr(col, "@") > 0) | (F.instr(col, "%40") > 0)
    return _never_null(has_at & col.rlike(EMAIL))


def looks_like_phone(col: Column) -> Column:
    """E.164 (`+44 20 7946 0958`) or national (`(555) 123-4567`, `020 7946 0958`) numbers.

    Dates, times, years ranges, versions, IPv4 addresses, decimals and numbers under 7 or
    over 15 digits are not phones; bare digit runs count only as `+` E.164, 10-digit NANP
    (not starting with 1, so not an epoch timestamp) or 10-11 digits with a trunk 0.
    """
    # Every accepted phone has two adjacent digits: a one-line regex skips most text cheaply.
    maybe_phone = (F.length(col) >= 7) & col.rlike("[0-9]{2}")
    return _never_null(maybe_phone & _any_candidate(col, PHONE_CANDIDATE, IS_PHONE))


def looks_like_ipv4(col: Column) -> Column:
    """A dotted-quad IPv4 address with every octet 0-255."""
    return _never_null((F.instr(col, ".") > 0) & col.rlike(IPV4))


def looks_like_ipv6(col: Column) -> Column:
    """An IPv6 address, full or `::`-compressed, optionally with a zone (`fe80::1%eth0`)."""
    return _never_null((F.instr(col, ":") > 0) & col.rlike(IPV6))


def looks_like_card(col: Column) -> Column:
    """A payment card number passing Luhn: 13-19 digits led by a card network's digit,
    optionally grouped by single spaces or dashes (or 12 unseparated Maestro digits)."""
    return _never_null((F.length(col) >= 12) & _any_candidate(col, CARD_CANDIDATE, IS_CARD))


def looks_like_iban(col: Column) -> Column:
    """An IBAN (print or electronic form) with its country's length and a valid mod-97 check."""
    return _never_null((F.length(col) >= 15) & _any_candidate(col, IBAN_CANDIDATE, IS_IBAN))


def looks_like_sip_uri(col: Column) -> Column:
    """A SIP address with a user part: `sip:alice@example.com`, `sips:+15551234567@pbx`."""
    has_user = (F.instr(col, "@") > 0) & (F.instr(col, ":") > 0)
    return _never_null(has_user & col.rlike(SIP_URI))


def looks_like_us_ssn(col: Column) -> Column:
    """A US social security number written `123-45-6789` (never-issued areas excluded)."""
    return _never_null((F.instr(col, "-") > 0) & col.rlike(US_SSN))


# Ordered cheapest first: has_pii's OR stops at the first detector that matches.
DETECTORS: dict[str, Callable[[Column], Column]] = {
    "email": looks_like_email,
    "sip_uri": looks_like_sip_uri,
    "ipv4": looks_like_ipv4,
    "ipv6": looks_like_ipv6,
    "us_ssn": looks_like_us_ssn,
    "card": looks_like_card,
    "iban": looks_like_iban,
    "phone": looks_like_phone,
}


def pii_kinds(col: Column) -> Column:
    """array<string> of the DETECTORS names that match the value; empty for null or none."""
    kinds = [F.when(detect(col), F.lit(name)) for name, detect in DETECTORS.items()]
    return F.filter(F.array(*kinds), lambda kind: kind.isNotNull())


def has_pii(col: Column) -> Column:
    """True when any detector matches the value; false for null."""
    return reduce(lambda left, right: left | right, (detect(col) for detect in DETECTORS.values()))
