"""Checks on PII candidates as Spark SQL lambdas: Luhn, IBAN mod 97 and length, phone shape.

transforms/detectors.py extracts candidates with `regexp_extract_all` (patterns in
transforms/pii_patterns.py) and keeps a value when `exists(candidates, IS_...)` holds.
Each check is SQL text with no value in it, so it costs one JVM call to build.
"""

from __future__ import annotations

from transforms.pii_patterns import PHONE_BARE, PHONE_NOT

# IBAN length per country (SWIFT IBAN registry); other country codes are not IBANs.
_IBAN_REGISTRY = (
    "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 "
    "DE22 DJ27 DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 "
    "GT28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 "
    "LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 "
    "PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 "
    "TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30"
)
_IBAN_LENGTHS = {entry[:2]: int(entry[2:]) for entry in _IBAN_REGISTRY.split()}


# The candidate checks are SQL lambdas: one JVM call builds each, where the same check
# written with Python lambdas takes hundreds of Py4J round trips per column (~0.3 s).
def _let(name: str, value: str, predicate: str) -> str:
    """SQL for `predicate` with `name` bound to `value`."""
    return f"exists(array({value}), {name} -> {predicate})"


def luhn_sql(digits: str) -> str:
    """SQL: the string of decimal digits `digits` passes the Luhn (mod 10) check."""
    # Double every second digit from the right; a doubled digit over 9 loses 9. ascii()
    # arithmetic, because an ANSI cast raises on anything that is not a digit.
    value = "(ascii(c) - 48)"
    return (
        f"aggregate(transform(reverse(split({digits}, '')), (c, i) -> IF(i % 2 = 1, "
        f"{value} * 2 - IF({value} >= 5, 9, 0), {value})), 0, (s, x) -> s + x) % 10 = 0"
    )


def mod97_sql(iban: str) -> str:
    """SQL: the upper-case IBAN without spaces `iban` has the mod 97-10 remainder 1."""
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
    f" AND {luhn_sql('d')}",
)
# A separated card next to another number (`4111 1111 1111 1111 2 items`) joins it in one
# candidate: also try without the first or the last group.
IS_CARD = (
    "t -> exists(array(t, regexp_replace(t, '[ -][0-9]+$', ''), "
    f"regexp_replace(t, '^[0-9]+[ -]', '')), g -> {_CARD_DIGITS_OK})"
)
_PHONE_PREFIXED = r"core RLIKE r'^[+0]|\('"  # country code, trunk 0 or area code in parens
_PHONE_GROUPED_OK = (
    "size(filter(p.groups, g -> length(g) = 1)) <= 1"
    f" AND NOT core RLIKE r'{PHONE_NOT}'"
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
IS_PHONE = "t -> " + _let(
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
        rf" AND IF(core RLIKE r'^\+?[0-9]+$', core RLIKE r'{PHONE_BARE}', {_PHONE_GROUPED_OK})",
    ),
)
_IBAN_LENGTHS_SQL = "map(" + ", ".join(f"'{cc}', {n}" for cc, n in _IBAN_LENGTHS.items()) + ")"
IS_IBAN = "t -> " + _let(
    "iban",
    "upper(replace(t, ' ', ''))",
    f"length(iban) = try_element_at({_IBAN_LENGTHS_SQL}, substr(iban, 1, 2)) AND {mod97_sql('iban')}",
)
