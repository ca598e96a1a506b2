"""PII detectors: inline positives and negatives, generated values, and real labelled files."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyspark.sql import functions as F

from tests.shared_data import SHARED_DATA
from transforms.detectors import DETECTORS, has_pii, passes_luhn, pii_kinds

PRESIDIO = SHARED_DATA / "pii-text" / "presidio-research" / "synth_dataset_v2.json"
APACHE_LOG = SHARED_DATA / "access-logs" / "elastic" / "apache_logs"

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


def detected_kinds(spark, values: list[str | None]) -> list[list[str]]:
    """pii_kinds of each value, in order, from one Spark job."""
    rows = [(index, value) for index, value in enumerate(values)]
    df = spark.createDataFrame(rows, "i int, value string")
    result = df.select("i", pii_kinds(F.col("value")).alias("kinds")).collect()
    return [row.kinds for row in sorted(result, key=lambda row: row.i)]


def luhn_check_digit(payload: str) -> str:
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str((10 - total % 10) % 10)


@pytest.fixture(scope="module")
def inline_kinds(spark) -> dict[str | None, list[str]]:
    values = sorted({value for _, value, _ in CASES}, key=lambda v: (v is None, v or ""))
    return dict(zip(values, detected_kinds(spark, values), strict=True))


@pytest.mark.parametrize(("kind", "value", "expected"), CASES)
def test_detector_inline_rows(inline_kinds, kind, value, expected):
    assert (kind in inline_kinds[value]) is expected


def test_null_and_empty_hold_no_pii(spark):
    df = spark.createDataFrame([(None,), ("",)], "value string")
    columns = [detect(F.col("value")).alias(name) for name, detect in DETECTORS.items()]
    rows = df.select(*columns, has_pii(F.col("value")).alias("any"), pii_kinds(F.col("value")).alias("k")).collect()
    for row in rows:
        assert row.k == []
        assert not any(row[name] for name in [*DETECTORS, "any"])
        assert all(row[name] is not None for name in [*DETECTORS, "any"])


def test_passes_luhn(spark):
    df = spark.createDataFrame([("79927398713",), ("79927398710",), ("0",), (None,)], "d string")
    assert [row.ok for row in df.select(passes_luhn(F.col("d")).alias("ok")).collect()] == [
        True,
        False,
        True,
        None,
    ]


WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,;!?()'\"", min_size=0, max_size=30)
LOCAL = st.from_regex(r"[a-z0-9](?:[a-z0-9._%+-]{0,20}[a-z0-9])?", fullmatch=True)
LABEL = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,15}[a-z0-9])?", fullmatch=True)
TLD = st.from_regex(r"[a-z]{2,6}", fullmatch=True)
EMAILS = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join(labels)}.{tld}",
    LOCAL,
    st.lists(LABEL, min_size=1, max_size=3),
    TLD,
)
IPV4S = st.lists(st.integers(0, 255), min_size=4, max_size=4).map(lambda o: ".".join(map(str, o)))


@st.composite
def luhn_cards(draw) -> str:
    length = draw(st.integers(13, 19))
    payload = draw(st.sampled_from("23456")) + draw(
        st.text(alphabet="0123456789", min_size=length - 2, max_size=length - 2)
    )
    number = payload + luhn_check_digit(payload)
    separator = draw(st.sampled_from(["", " ", "-"]))
    return separator.join(number[i : i + 4] for i in range(0, len(number), 4))


@st.composite
def non_luhn_16_digits(draw) -> str:
    payload = draw(st.text(alphabet="0123456789", min_size=15, max_size=15))
    right = luhn_check_digit(payload)
    return payload + draw(st.sampled_from([d for d in "0123456789" if d != right]))


@st.composite
def iso_timestamps(draw) -> str:
    moment = draw(st.datetimes(dt.datetime(1970, 1, 1), dt.datetime(2100, 1, 1)))
    offset = dt.timedelta(minutes=draw(st.integers(-12 * 60, 14 * 60)) // 15 * 15)
    stamp = moment.replace(tzinfo=dt.timezone(offset))
    precision = draw(st.sampled_from(["seconds", "milliseconds", "microseconds"]))
    return stamp.isoformat(timespec=precision)


def embedded(values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """Each value between random words (spaces keep digits of the text off the value)."""
    one = st.tuples(WORDS, values, WORDS).map(lambda t: f"{t[0]} {t[1]} {t[2]}")
    return st.lists(one, min_size=30, max_size=60)


FEW = settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FEW
@given(texts=embedded(EMAILS))
def test_generated_emails_in_text_are_detected(spark, texts):
    assert all("email" in kinds for kinds in detected_kinds(spark, texts))


@FEW
@given(texts=embedded(luhn_cards()))
def test_generated_luhn_cards_in_text_are_detected(spark, texts):
    assert all("card" in kinds for kinds in detected_kinds(spark, texts))


@FEW
@given(texts=embedded(IPV4S))
def test_generated_ipv4_in_text_are_detected(spark, texts):
    assert all("ipv4" in kinds for kinds in detected_kinds(spark, texts))


@FEW
@given(stamps=st.lists(iso_timestamps(), min_size=30, max_size=60))
def test_iso_timestamps_hold_no_pii(spark, stamps):
    assert detected_kinds(spark, stamps) == [[] for _ in stamps]


@FEW
@given(numbers=st.lists(non_luhn_16_digits(), min_size=30, max_size=60))
def test_non_luhn_16_digit_numbers_are_not_cards(spark, numbers):
    assert not any("card" in kinds for kinds in detected_kinds(spark, numbers))


# Presidio label -> the detector that must find it (IP_ADDRESS: either IP detector).
PRESIDIO_KINDS = {
    "EMAIL_ADDRESS": ("email",),
    "CREDIT_CARD": ("card",),
    "IP_ADDRESS": ("ipv4", "ipv6"),
    "PHONE_NUMBER": ("phone",),
    "IBAN_CODE": ("iban",),
    "US_SSN": ("us_ssn",),
}
MIN_RECALL = {"EMAIL_ADDRESS": 0.99, "CREDIT_CARD": 0.99, "IP_ADDRESS": 0.99, "PHONE_NUMBER": 0.95}


@pytest.fixture(scope="module")
def presidio() -> list[dict]:
    if not PRESIDIO.exists():
        pytest.skip(f"{PRESIDIO} not present")
    return json.loads(PRESIDIO.read_text(encoding="utf-8"))


def test_presidio_labelled_values_recall(spark, presidio):
    # Every CREDIT_CARD value in this file passes Luhn; 10 of 136 are 12-digit Maestro.
    spans = [
        (span["entity_type"], span["entity_value"])
        for record in presidio
        for span in record["spans"]
        if span["entity_type"] in PRESIDIO_KINDS
    ]
    found: dict[str, list[bool]] = defaultdict(list)
    for (label, _), kinds in zip(spans, detected_kinds(spark, [v for _, v in spans]), strict=True):
        found[label].append(any(kind in kinds for kind in PRESIDIO_KINDS[label]))
    recall = {label: sum(hits) / len(hits) for label, hits in found.items()}
    for label, floor in MIN_RECALL.items():
        assert recall[label] >= floor, (label, recall[label])
    assert recall["IBAN_CODE"] == 1.0


def test_presidio_texts_without_such_pii_are_rarely_flagged(spark, presidio):
    # US_SSN counts as PII here too: us_ssn flags those texts, rightly.
    clean = [
        record["full_text"]
        for record in presidio
        if not any(span["entity_type"] in PRESIDIO_KINDS for span in record["spans"])
    ]
    flagged = sum(1 for kinds in detected_kinds(spark, clean) if kinds)
    assert len(clean) > 1000
    assert flagged / len(clean) < 0.01


def test_every_apache_client_ip_is_ipv4(spark):
    if not APACHE_LOG.exists():
        pytest.skip(f"{APACHE_LOG} not present")
    detectors_df = (
        spark.read.text(str(APACHE_LOG))
        .select(F.substring_index("value", " ", 1).alias("client"))
        .select(DETECTORS["ipv4"](F.col("client")).alias("is_ipv4"))
    )
    counts = detectors_df.groupBy("is_ipv4").count().collect()
    assert {row.is_ipv4: row["count"] for row in counts} == {True: 10_000}
