"""PII detectors: inline positives and negatives, the null and empty value, and the Luhn check."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F

from jobs.lake.frames import local_frame
from tests.detector_runs import detected_kinds
from transforms.detectors import DETECTORS, has_pii, passes_luhn, pii_kinds

# Every detector also gets None and "" as negatives (see CASES below).
POSITIVES = {
    "email": [
        "jane@example.com",
        "contact: Jane.Doe+tag@mail.example.co.uk, thanks",
        "GET /unsubscribe?email=jane.doe%40example.com&list=2 HTTP/1.1",
        "sip:alice@atlanta.example.com",
    ],
    "phone": [
        "(555) 123-4567",
        "555-123-4567",
        "555.123.4567",
        "020 7946 0958",
        "+44 20 7946 0958",
        "call me on +1-903-140-4508x769 tomorrow",
        "+46 (0)8 928 571 38",
        "03.93.92.16.85",
        "9498777106",
        "+447700677662",
        # A label joined by `-` or after a space (Presidio's `082 490 1693-Office`).
        "South Africa 70651\n082 490 1693-Office\\,+41 (0)69 979 80 58-Fax",
        "3660170548-Fax",
        "(37) 788-063-Office",
        "APO AA 61487\n416 60 039 office\n",
        "dpo ap 51065\n781 1704 office",
        "28-64-66-98 office",
        "call 555 1234 Office, thanks",
        "99 668472",  # two and six digits
        "mobile: 99 577450\ndesk:",
    ],
    "ipv4": [
        "192.168.100.200",
        "client 10.0.0.1 said hi",
        "http://8.8.4.4/path",
        "http://8.8.4.4/",
        "from 10.0.0.1",
        "0.0.0.0",
        "route 10.0.0.0/8 via eth0",
        "addr=10.1.2.3",
    ],
    "ipv6": [
        "::1",
        "2001:db8::8a2e:370:7334",
        "fe80::1%eth0",
        "6e40:4041:c617:e898:c11:40d2:c669:2eb4",
        "from ::ffff:192.0.2.1 via",
    ],
    "card": [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "paid with 4111111111111111.",
        "378282246310005",  # Amex, 15 digits
        "4111 1111 1111 1111 2 items",  # a card next to another number
        "501864667909",  # 12-digit Maestro
    ],
    "iban": [
        "GB82 WEST 1234 5698 7654 32",
        "GB82WEST12345698765432",
        "de89370400440532013000",
        "IBAN: NO9386011117947.",
    ],
    "sip_uri": ["sip:alice@atlanta.example.com", "<sips:+15551234567@pbx.example.com;user=phone>"],
    "us_ssn": ["460-89-9847", "SSN 078-05-1120 on file"],
}
NEGATIVES = {
    "email": ["no at here", "@mention", "foo@bar", "a@b", "x" * 5000, "user@localhost"],
    "phone": [
        "2026-11-03",
        "2026-11-03T09:14:05-05:00",
        "10:05:03",
        "5.17.5",
        "Chrome/120.0.6099.109",
        "Version 120.0.6099.109",
        "42",
        "3600",
        "1234567",
        "duration 90061 s",
        "1762162445",  # epoch seconds
        "1990-2005",
        "ZIP 90210-1234",
        "3.14159265",
        "192.168.100.200",
        "17151 2450 Crown St",  # house numbers
        "3911 Fourth Avenue",
        "370 3911 Fourth Avenue",
        "781 1704 officers",  # not a label word: a quantity
        "555-1234-report",  # `-` joins a word that is no label
        "200 203023",  # an access log's status and size
        "12-668472",  # two and six digits only with a space
    ],
    "ipv4": [
        "1.2.3",
        "256.1.1.1",
        "Chrome/120.0.6099.109",
        "1.2.3.4.5",
        "v10.20.30.40x",
        # Four-part versions in user agents (Apache log).
        "Mozilla/5.0 (Windows; U; Windows NT 5.2; en-US; rv:1.8.1.4) Gecko/20070515 Firefox/2.0.0.4",
        "rv:1.9.0.19",
        "Chrome/30.0.0.0",
        "CoolNovo/2.0.9.20",
        "curl/7.19.7 zlib/1.2.3.4",
    ],
    "ipv6": ["10:05:03", "std::vector", "00:1a:2b:3c:4d:5e", "::", "12:30 - 13:45"],
    "card": [
        "4111111111111112",  # Luhn fails
        "1762162445123",  # ms timestamp
        "1234567890123456789",  # snowflake-like id
        "order 100000007919 shipped",
        "0.4111111111111111",
        "call 555 123 4567 10:30",
    ],
    "iban": ["GB82WEST12345698765433", "XX82WEST12345698765432", "GB82 WEST", "ABCD1234"],
    "sip_uri": ["sip:conference.example.com", "gossip: alice@example.com"],
    "us_ssn": ["000-12-3456", "666-12-3456", "123-00-4567", "2026-11-03", "123-45-67890"],
}
CASES = [(kind, value, True) for kind, values in POSITIVES.items() for value in values] + [
    (kind, value, False) for kind in DETECTORS for value in [*NEGATIVES[kind], None, ""]
]


@pytest.fixture(scope="module")
def inline_kinds(spark) -> dict[str | None, list[str]]:
    values = sorted({value for _, value, _ in CASES}, key=lambda v: (v is None, v or ""))
    return dict(zip(values, detected_kinds(spark, values), strict=True))


@pytest.mark.parametrize(("kind", "value", "expected"), CASES)
def test_detector_inline_rows(inline_kinds, kind, value, expected):
    assert (kind in inline_kinds[value]) is expected


def test_null_and_empty_hold_no_pii(spark):
    df = local_frame(spark, [(None,), ("",)], "value string")
    columns = [detect(F.col("value")).alias(name) for name, detect in DETECTORS.items()]
    rows = df.select(*columns, has_pii(F.col("value")).alias("any"), pii_kinds(F.col("value")).alias("k")).collect()
    for row in rows:
        assert row.k == []
        assert not any(row[name] for name in [*DETECTORS, "any"])
        assert all(row[name] is not None for name in [*DETECTORS, "any"])


def test_passes_luhn(spark):
    df = local_frame(spark, [("79927398713",), ("79927398710",), ("0",), (None,)], "d string")
    assert [row.ok for row in df.select(passes_luhn(F.col("d")).alias("ok")).collect()] == [
        True,
        False,
        True,
        None,
    ]
