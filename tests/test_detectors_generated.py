"""PII detectors on generated values (hypothesis): emails, Luhn-valid cards and IPv4 addresses
inside text are found; ISO timestamps and non-Luhn numbers are not taken for PII."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.detector_runs import detected_kinds


def luhn_check_digit(payload: str) -> str:
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str((10 - total % 10) % 10)


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
