"""PII value detectors as Spark Column expressions: built-in functions only, no Python UDFs.

Each detector takes a string column and returns a boolean column that is never null (a null
value holds no PII). Patterns are written for Java regex on long strings: every one starts
from a literal or a one-character class guarded by a lookbehind, quantifiers that could
backtrack are possessive or bounded, and a cheap `instr` / `length` test runs first so most
values never reach a regex. Card, phone and IBAN extract candidates with
`regexp_extract_all` and check each with a SQL higher-order function (Luhn, mod 97, shape).

Example:
    df.select(pii_kinds(F.col("notes")).alias("kinds"), has_pii(F.col("notes")).alias("pii"))
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce

from pyspark.sql import Column
from pyspark.sql import functions as F

# Local part character, then `@` or its URL encoding `%40`: the match starts next to the `@`,
# so a long string without one costs a linear scan (never a backtracking local part).
# Repeated groups are bounded everywhere: Java regex recurses once per repetition of a
# group, and an unbounded one overflows the stack on a long value (`a@b.b.b.b...`).
_EMAIL = (
    r"[A-Za-z0-9._%+-](?:@|%40)[A-Za-z0-9][A-Za-z0-9-]{0,62}+"
    r"(?:\.[A-Za-z0-9-]{1,63}+){1,8}(?<=\.[A-Za-z]{2,24})"
)
_SIP_URI = (
    r"(?i)(?<![A-Za-z0-9])sips?:[A-Za-z0-9._~%!$&'()*+,;=-]++@"
    r"(?:\[[0-9A-Fa-f:.]++\]|[A-Za-z0-9][A-Za-z0-9.-]*+)"
)
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4_CORE = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
# Not inside a version string (`Chrome/120.0.6099.109`, `1.2.3.4.5`) or a longer number,
# nor a four-part version after a product name and `/` or after `rv:` (`Firefox/2.0.0.4`,
# `zlib/1.2.3.4`, `rv:1.8.1.4`); `http://8.8.4.4/` has `/` before its `/`, so still counts.
_IPV4 = (
    rf"(?<![0-9A-Za-z.])(?<![0-9A-Za-z]/)(?<!rv:){_IPV4_CORE}"
    r"(?![0-9A-Za-z]|\.[0-9A-Za-z])"
)
_H = "[0-9A-Fa-f]{1,4}"
_IPV6_FORMS = (
    rf"(?:{_H}:){{1,4}}:{_IPV4_CORE}",  # 64:ff9b::192.0.2.1
    rf"::(?:ffff(?::0{{1,4}})?:)?{_IPV4_CORE}",  # ::ffff:192.0.2.1
    rf"(?:{_H}:){{7}}{_H}",  # full: eight groups
    rf"(?:{_H}:){{1,6}}:{_H}",  # compressed forms, `::` in each possible place
    rf"(?:{_H}:){{1,5}}(?::{_H}){{1,2}}",
    rf"(?:{_H}:){{1,4}}(?::{_H}){{1,3}}",
    rf"(?:{_H}:){{1,3}}(?::{_H}){{1,4}}",
    rf"(?:{_H}:){{1,2}}(?::{_H}){{1,5}}",
    rf"{_H}:(?::{_H}){{1,6}}",
    rf":(?::{_H}){{1,7}}",  # ::1
    rf"(?:{_H}:){{1,7}}:",  # fe80::
)
# Times (`10:05:03`) and MAC addresses have neither `::` nor eight groups, so never match.
_IPV6 = (
    rf"(?<![0-9A-Za-z_:])(?:{'|'.join(_IPV6_FORMS)})"
    r"(?:%[0-9A-Za-z._~-]++)?(?![0-9A-Za-z_:]|\.[0-9A-Za-z])"
)
# A run of 12-19 digits with single space/dash separators, not part of a word, a longer
# number or a decimal fraction; the greedy run backtracks at most 18 steps to a boundary.
_CARD_CANDIDATE = r"(?<![0-9A-Za-z])(?<![0-9][.,])[0-9](?:[ -]?[0-9]){11,18}(?![0-9A-Za-z]|[.,][0-9])"
# Digit groups (a parenthesised area code may lead one) joined by single space, dot or dash,
# an optional leading `+` and extension. Not inside a word, path, version or date-time.
_PHONE_ITEM = r"(?:\([0-9]{1,4}\) ?)?[0-9]{1,15}+"
# A word that labels the number before it (`082 490 1693-Office`, `781 1704 office`).
_PHONE_LABEL = r"(?i:office|fax|mobile|cell|home|work|desk|direct|tel|phone)(?![0-9A-Za-z_])"
_PHONE_CANDIDATE = (
    # Cheap pruning first: at least 7 digits close together, and not an ISO date.
    r"(?<![0-9A-Za-z_./@+-])(?=(?:[^0-9]{0,3}[0-9]){7})(?![0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?![0-9]))"
    rf"\+?{_PHONE_ITEM}(?:[ .-]{_PHONE_ITEM}){{0,7}}"
    # Not followed by a word, path, version or a `-` joining more (`-Office` may follow).
    r"(?: ?(?:x|ext\.?) ?[0-9]{1,6}+)?"
    rf"(?![0-9A-Za-z_@]|[.:/][0-9A-Za-z]|-(?!{_PHONE_LABEL})[0-9A-Za-z])"
    # A label word, or the first letter of another word: kept to tell `3911 Fourth Avenue`
    # (an address) from a phone (`_IS_PHONE` looks for a space and one letter at the end).
    rf"(?: {_PHONE_LABEL}| [A-Za-z])?"
)
_PHONE_BARE = r"^(?:\+[0-9]{8,15}|[2-9][0-9]{9}|0[1-9][0-9]{8,9})$"  # E.164, NANP, trunk 0
_PHONE_NOT = (
    r"^(?:[0-9]{4}[-. ][0-9]{1,2}[-. ][0-9]{1,2}"  # 2026-11-03
    r"|[0-9]{1,2}[-. ][0-9]{1,2}[-. ][0-9]{4}"  # 03.11.2026
    r"|(?:19|20)[0-9]{2}-(?:19|20)[0-9]{2}"  # 1990-2005
    r"|[0-9]{5}-[0-9]{3,4}"  # ZIP+4, CEP
    r"|[0-9]{3}-[0-9]{2}-[0-9]{4})$"  # a US SSN is not a phone (us_ssn says so)
)
_US_SSN = (
    r"(?<![0-9A-Za-z-])(?!000|666|9)[0-9]{3}-(?!00)[0-9]{2}-(?!0000)[0-9]{4}"
    r"(?![0-9A-Za-z]|-[0-9])"
)
_IBAN_CANDIDATE = (
    r"(?<![0-9A-Za-z])[A-Za-z]{2}[0-9]{2}(?: ?[0-9A-Za-z]{4}){2,7}(?: ?[0-9A-Za-z]{1,4})?"
    r"(?![0-9A-Za-z])"
)
# IBAN length per country (SWIFT IBAN registry); other country codes are not IBANs.
_IBAN_LENGTHS = {
    entry[:2]: int(entry[2:])
    for entry in [
        "AD24",
        "AE23",
        "AL28",
        "AT20",
        "AZ28",
        "BA20",
        "BE16",
        "BG22",
        "BH22",
        "BI27",
        "BR29",
        "BY28",
        "CH21",
        "CR22",
        "CY28",
        "CZ24",
        "DE22",
        "DJ27",
        "DK18",
        "DO28",
        "EE20",
        "EG29",
        "ES24",
        "FI18",
        "FK18",
        "FO18",
        "FR27",
        "GB22",
        "GE22",
        "GI23",
        "GL18",
        "GR27",
        "GT28",
        "HR21",
        "HU28",
        "IE22",
        "IL23",
        "IQ23",
        "IS26",
        "IT27",
        "JO30",
        "KW30",
        "KZ20",
        "LB28",
        "LC32",
        "LI21",
        "LT20",
        "LU20",
        "LV21",
        "LY25",
        "MC27",
        "MD24",
        "ME22",
        "MK19",
        "MN20",
        "MR27",
        "MT31",
        "MU30",
        "NI28",
        "NL18",
        "NO15",
        "OM23",
        "PK24",
        "PL28",
        "PS29",
        "PT25",
        "QA29",
        "RO24",
        "RS22",
        "RU33",
        "SA24",
        "SC31",
        "SD18",
        "SE24",
        "SI19",
        "SK24",
        "SM27",
        "SO23",
        "ST25",
        "SV28",
        "TL23",
        "TN24",
        "TR26",
        "UA29",
        "VA22",
        "VG24",
        "XK20",
        "YE30",
    ]
}


def _never_null(condition: Column) -> Column:
    return F.coalesce(condition, F.lit(False))


# The candidate checks are SQL lambdas: one JVM call builds each, where the same check
# written with Python lambdas takes hundreds of Py4J round trips per column (~0.3 s).
def _let(name: str, value: str, predicate: str) -> str:
    """SQL for `predicate` with `name` bound to `value`."""
    return f"exists(array({value}), {name} -> {predicate})"


def _luhn_sql(digits: str) -> str:
    # Double every second digit from the right; a doubled digit over 9 loses 9. ascii()
    # arithmetic, because an ANSI cast raises on anything that is not a digit.
    value = "(ascii(c) - 48)"
    return (
        f"aggregate(transform(reverse(split({digits}, '')), (c, i) -> IF(i % 2 = 1, "
        f"{value} * 2 - IF({value} >= 5, 9, 0), {value})), 0, (s, x) -> s + x) % 10 = 0"
    )


def _mod97_sql(iban: str) -> str:
    # ISO 7064 mod 97-10 over the IBAN with its first four characters moved to the end;
    # a letter stands for two digits (A=10 ... Z=35), so it shifts the remainder by 100.
    return (
        f"aggregate(split(concat(substr({iban}, 5), substr({iban}, 1, 4)), ''), 0, (r, c) -> "
        "IF(ascii(c) <= 57, (r * 10 + ascii(c) - 48) % 97, (r * 100 + ascii(c) - 55) % 97)) = 1"
    )


# Issuer ranges keep Luhn's 1-in-10 chance from flagging ms timestamps and snowflake ids
# (they start with 1): networks use 2-6 (13-19 digits), UATP and JCB-15 use 1 (15 digits),
# Maestro also issues 12-digit cards (5 or 6), taken only unseparated: a phone number
# followed by another number is often 12 digits.
_CARD_DIGITS_OK = _let(
    "d",
    "replace(replace(g, ' ', ''), '-', '')",
    "((length(d) BETWEEN 13 AND 19 AND substr(d, 1, 1) BETWEEN '2' AND '6')"
    " OR (length(d) = 15 AND substr(d, 1, 1) = '1')"
    " OR (length(g) = 12 AND substr(d, 1, 1) IN ('5', '6')))"
    f" AND {_luhn_sql('d')}",
)
# A separated card next to another number (`4111 1111 1111 1111 2 items`) joins it in one
# candidate: also try without the first or the last group.
_IS_CARD = (
    "t -> exists(array(t, regexp_replace(t, '[ -][0-9]+$', ''), "
    f"regexp_replace(t, '^[0-9]+[ -]', '')), g -> {_CARD_DIGITS_OK})"
)
_PHONE_PREFIXED = r"core RLIKE r'^[+0]|\('"  # country code, trunk 0 or area code in parens
_PHONE_GROUPED_OK = (
    "size(filter(p.groups, g -> length(g) = 1)) <= 1"
    f" AND NOT core RLIKE r'{_PHONE_NOT}'"
    # Two plain groups make a local number only as 3-4, 4-4 or 2 6 (`467 3395`, `9472 7916`,
    # `99 668472`); `200 203023` is an access log's status and size.
    f" AND ({_PHONE_PREFIXED} OR size(p.groups) >= 3"
    r" OR core RLIKE r'^(?:[0-9]{3,4}[ -][0-9]{4}|[0-9]{2} [0-9]{6})$')"
    # Dotted: French `03.93.92.16.85` or US `930.167.3943`, never a decimal, a version
    # (`120.0.6099.109`) or an IPv4 address (four groups of at most three digits).
    r" AND NOT (core RLIKE r'^[0-9]+(?:\.[0-9]+)+$' AND (size(p.groups) < 3"
    " OR exists(p.groups, g -> length(g) < 2)"
    " OR (size(p.groups) = 4 AND forall(p.groups, g -> length(g) <= 3))))"
)
_IS_PHONE = "t -> " + _let(
    "core",
    r"regexp_replace(t, r'(?: ?(?:x|ext\.?) ?[0-9]+)?(?: [A-Za-z]+)?$', '')",
    _let(
        "p",
        "named_struct('digits', regexp_replace(core, '[^0-9]', ''), 'groups', "
        r"regexp_extract_all(replace(core, '(0)', ''), '[0-9]+', 0))",
        "length(p.digits) BETWEEN 7 AND 15"
        # Up to 8 digits with no prefix, then a word: a house number and a street
        # (`370 3911 Fourth Avenue`) or a quantity, not a local number. A label word
        # (`781 1704 office`) ends the candidate in two letters, so does not count.
        f" AND NOT (NOT {_PHONE_PREFIXED} AND length(p.digits) <= 8 AND t RLIKE ' [A-Za-z]$')"
        rf" AND IF(core RLIKE r'^\+?[0-9]+$', core RLIKE r'{_PHONE_BARE}', {_PHONE_GROUPED_OK})",
    ),
)
_IBAN_LENGTHS_SQL = "map(" + ", ".join(f"'{cc}', {n}" for cc, n in _IBAN_LENGTHS.items()) + ")"
_IS_IBAN = "t -> " + _let(
    "iban",
    "upper(replace(t, ' ', ''))",
    f"length(iban) = try_element_at({_IBAN_LENGTHS_SQL}, substr(iban, 1, 2)) AND {_mod97_sql('iban')}",
)


def _any_candidate(col: Column, pattern: str, is_valid_sql: str) -> Column:
    candidates = F.regexp_extract_all(col, F.lit(pattern), 0)
    return F.call_function("exists", candidates, F.expr(is_valid_sql))


def passes_luhn(digits: Column) -> Column:
    """True when a string of decimal digits passes the Luhn (mod 10) check."""
    return F.call_function("exists", F.array(digits), F.expr(f"d -> {_luhn_sql('d')}"))


def passes_iban_mod97(iban: Column) -> Column:
    """True when an upper-case IBAN without spaces has the ISO 7064 mod 97-10 remainder 1."""
    return F.call_function("exists", F.array(iban), F.expr(f"v -> {_mod97_sql('v')}"))


def looks_like_email(col: Column) -> Column:
    """An email address anywhere in the value, also URL-encoded (`jane%40example.com`)."""
    has_at = (F.instr(col, "@") > 0) | (F.instr(col, "%40") > 0)
    return _never_null(has_at & col.rlike(_EMAIL))


def looks_like_phone(col: Column) -> Column:
    """E.164 (`+44 20 7946 0958`) or national (`(555) 123-4567`, `020 7946 0958`) numbers.

    Dates, times, years ranges, versions, IPv4 addresses, decimals and numbers under 7 or
    over 15 digits are not phones; bare digit runs count only as `+` E.164, 10-digit NANP
    (not starting with 1, so not an epoch timestamp) or 10-11 digits with a trunk 0.
    """
    # Every accepted phone has two adjacent digits: a one-line regex skips most text cheaply.
    maybe_phone = (F.length(col) >= 7) & col.rlike("[0-9]{2}")
    return _never_null(maybe_phone & _any_candidate(col, _PHONE_CANDIDATE, _IS_PHONE))


def looks_like_ipv4(col: Column) -> Column:
    """A dotted-quad IPv4 address with every octet 0-255."""
    return _never_null((F.instr(col, ".") > 0) & col.rlike(_IPV4))


def looks_like_ipv6(col: Column) -> Column:
    """An IPv6 address, full or `::`-compressed, optionally with a zone (`fe80::1%eth0`)."""
    return _never_null((F.instr(col, ":") > 0) & col.rlike(_IPV6))


def looks_like_card(col: Column) -> Column:
    """A payment card number passing Luhn: 13-19 digits led by a card network's digit,
    optionally grouped by single spaces or dashes (or 12 unseparated Maestro digits)."""
    return _never_null((F.length(col) >= 12) & _any_candidate(col, _CARD_CANDIDATE, _IS_CARD))


def looks_like_iban(col: Column) -> Column:
    """An IBAN (print or electronic form) with its country's length and a valid mod-97 check."""
    return _never_null((F.length(col) >= 15) & _any_candidate(col, _IBAN_CANDIDATE, _IS_IBAN))


def looks_like_sip_uri(col: Column) -> Column:
    """A SIP address with a user part: `sip:alice@example.com`, `sips:+15551234567@pbx`."""
    has_user = (F.instr(col, "@") > 0) & (F.instr(col, ":") > 0)
    return _never_null(has_user & col.rlike(_SIP_URI))


def looks_like_us_ssn(col: Column) -> Column:
    """A US social security number written `123-45-6789` (never-issued areas excluded)."""
    return _never_null((F.instr(col, "-") > 0) & col.rlike(_US_SSN))


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
