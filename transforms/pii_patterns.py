"""What PII looks like in text: the Java regex patterns behind transforms/detectors.py.

Written for long strings: every pattern starts from a literal or a one-character class
guarded by a lookbehind, and quantifiers that could backtrack are possessive or bounded.
An unanchored pattern such as `[A-Za-z0-9._%+-]+@...` backtracks on a long value without
an `@` (35 s for 1M rows, against about 1 s for one that starts from the literal `@`).
Card, phone and IBAN patterns only find candidates; transforms/pii_checks.py checks them.
"""

from __future__ import annotations

# Local part character, then `@` or its URL encoding `%40`: the match starts next to the `@`,
# so a long string without one costs a linear scan (never a backtracking local part).
# Repeated groups are bounded everywhere: Java regex recurses once per repetition of a
# group, and an unbounded one overflows the stack on a long value (`a@b.b.b.b...`).
EMAIL = (
    r"[A-Za-z0-9._%+-](?:@|%40)[A-Za-z0-9][A-Za-z0-9-]{0,62}+"
    r"(?:\.[A-Za-z0-9-]{1,63}+){1,8}(?<=\.[A-Za-z]{2,24})"
)
SIP_URI = (
    r"(?i)(?<![A-Za-z0-9])sips?:[A-Za-z0-9._~%!$&'()*+,;=-]++@"
    r"(?:\[[0-9A-Fa-f:.]++\]|[A-Za-z0-9][A-Za-z0-9.-]*+)"
)
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4_CORE = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
# Not inside a version string (`Chrome/120.0.6099.109`, `1.2.3.4.5`) or a longer number,
# nor a four-part version after a product name and `/` or after `rv:` (`Firefox/2.0.0.4`,
# `zlib/1.2.3.4`, `rv:1.8.1.4`); `http://8.8.4.4/` has `/` before its `/`, so still counts.
IPV4 = (
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
IPV6 = (
    rf"(?<![0-9A-Za-z_:])(?:{'|'.join(_IPV6_FORMS)})"
    r"(?:%[0-9A-Za-z._~-]++)?(?![0-9A-Za-z_:]|\.[0-9A-Za-z])"
)
# A run of 12-19 digits with single space/dash separators, not part of a word, a longer
# number or a decimal fraction; the greedy run backtracks at most 18 steps to a boundary.
CARD_CANDIDATE = r"(?<![0-9A-Za-z])(?<![0-9][.,])[0-9](?:[ -]?[0-9]){11,18}(?![0-9A-Za-z]|[.,][0-9])"
# Digit groups (a parenthesised area code may lead one) joined by single space, dot or dash,
# an optional leading `+` and extension. Not inside a word, path, version or date-time.
_PHONE_ITEM = r"(?:\([0-9]{1,4}\) ?)?[0-9]{1,15}+"
# A word that labels the number before it (`082 490 1693-Office`, `781 1704 office`).
_PHONE_LABEL = r"(?i:office|fax|mobile|cell|home|work|desk|direct|tel|phone)(?![0-9A-Za-z_])"
PHONE_CANDIDATE = (
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
PHONE_BARE = r"^(?:\+[0-9]{8,15}|[2-9][0-9]{9}|0[1-9][0-9]{8,9})$"  # E.164, NANP, trunk 0
PHONE_NOT = (
    r"^(?:[0-9]{4}[-. ][0-9]{1,2}[-. ][0-9]{1,2}"  # 2026-11-03
    r"|[0-9]{1,2}[-. ][0-9]{1,2}[-. ][0-9]{4}"  # 03.11.2026
    r"|(?:19|20)[0-9]{2}-(?:19|20)[0-9]{2}"  # 1990-2005
    r"|[0-9]{5}-[0-9]{3,4}"  # ZIP+4, CEP
    r"|[0-9]{3}-[0-9]{2}-[0-9]{4})$"  # a US SSN is not a phone (us_ssn says so)
)
US_SSN = (
    r"(?<![0-9A-Za-z-])(?!000|666|9)[0-9]{3}-(?!00)[0-9]{2}-(?!0000)[0-9]{4}"
    r"(?![0-9A-Za-z]|-[0-9])"
)
IBAN_CANDIDATE = (
    r"(?<![0-9A-Za-z])[A-Za-z]{2}[0-9]{2}(?: ?[0-9A-Za-z]{4}){2,7}(?: ?[0-9A-Za-z]{1,4})?"
    r"(?![0-9A-Za-z])"
)
