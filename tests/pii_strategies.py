"""Hypothesis strategies for personal values, disguised as a leak would be (mixed case, invisible
characters, fullwidth ＠, spaces and dashes inside numbers), for tests/test_planted_pii_fuzz.py."""

from __future__ import annotations

import itertools

from hypothesis import strategies as st

INVISIBLES = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")


@st.composite
def _disguised(draw, text: str) -> str:
    """Mixed case, and sometimes invisible characters inside."""
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    text = "".join(ch.swapcase() if flip else ch for ch, flip in zip(text, flips, strict=False))
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(1, max(1, len(text) - 1)))
        text = text[:at] + draw(st.sampled_from(INVISIBLES)) + text[at:]
    return text


def _luhn_complete(digits: str) -> str:
    total = sum(
        int(d) if i % 2 else (2 * int(d) - 9 if int(d) > 4 else 2 * int(d)) for i, d in enumerate(reversed(digits))
    )
    return digits + str((10 - total % 10) % 10)


def _grouped(digits: str, sizes: list[int], sep: str) -> str:
    cuts = [0]
    for size in sizes:
        cuts.append(min(len(digits), cuts[-1] + size))
    parts = [digits[a:b] for a, b in itertools.pairwise(cuts)] + [digits[cuts[-1] :]]
    return sep.join(part for part in parts if part)


@st.composite
def _email(draw) -> str:
    local = draw(st.from_regex(r"[a-z]{3,7}[._]?[a-z0-9]{3,7}", fullmatch=True))
    at = draw(st.sampled_from(["@", "\uff20"]))  # fullwidth ＠ too
    domain = draw(st.sampled_from(["leak-test.example", "mail.example.org", "corp.example.net"]))
    return draw(_disguised(local + at + domain))


@st.composite
def _phone(draw) -> str:
    code = draw(st.sampled_from(["1", "44", "49", "33", "61", "81", "91"]))
    national = draw(st.from_regex(r"[2-9][0-9]{8,9}", fullmatch=True))
    sizes = draw(st.lists(st.integers(2, 4), min_size=1, max_size=3))
    body = _grouped(national, sizes, draw(st.sampled_from([" ", "-", ".", " - "])))
    prefix = draw(st.sampled_from(["+{} ", "00{} ", "+{}-", "(+{}) "]))
    return prefix.format(code) + body


@st.composite
def _card(draw) -> str:
    prefix = draw(st.sampled_from(["4", "51", "55", "6011", "37"]))
    length = 15 if prefix == "37" else 16
    body = draw(st.from_regex(rf"[0-9]{{{length - 1 - len(prefix)}}}", fullmatch=True))
    return _grouped(_luhn_complete(prefix + body), [4, 4, 4], draw(st.sampled_from([" ", "-", ""])))


@st.composite
def _name(draw) -> str:
    first = draw(st.sampled_from(["Quintessa", "Zoë", "Søren", "Anaïs", "Bartholomew", "Yevgenia", "Siobhán"]))
    last = draw(st.sampled_from(["Marlowe-Ybarra", "Oyelaran", "Vasquez-Thornbury", "Nguyễn", "Kowalczyk"]))
    return draw(_disguised(f"{first} {last}"))


@st.composite
def _ipv6(draw) -> str:
    address = draw(st.ip_addresses(v=6, network="2001:db8::/32"))
    return address.compressed if draw(st.booleans()) else address.exploded.upper()


_IPV4_NETS = ("192.0.2.0/24", "198.51.100.0/24", "10.20.0.0/16")
KINDS = {
    "email": _email(),
    "phone": _phone(),
    "card": _card(),
    "name": _name(),
    "ipv4": st.one_of(*(st.ip_addresses(v=4, network=net) for net in _IPV4_NETS)).map(str),
    "ipv6": _ipv6(),
}


def pii_values() -> st.SearchStrategy[str]:
    return st.one_of(*KINDS.values())


@st.composite
def kinds_and_values(draw) -> tuple[str, str]:
    kind = draw(st.sampled_from(sorted(KINDS)))
    return kind, draw(KINDS[kind])
