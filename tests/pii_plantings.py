"""Hypothesis strategies for personal values and the places a record can carry them, and a
landing folder that holds each planting in a record of its own (tests/test_planted_pii_fuzz.py).

The landing has one published cell per access path (12 accounts, k = 10): planted legs
that are accepted land in it, so a value that slipped into gold would be exported, not
suppressed with a small cell.
"""

from __future__ import annotations

import itertools
import json
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from tests.landing_fixtures import account, leg, write_accounts
from transforms.parse_cdr import CDR_FIELDS

DAY = "2026-11-02"  # a Monday; 09:05 in New York is 14:05 UTC
START, END = f"{DAY}T09:05:00-05:00", f"{DAY}T09:35:00-05:00"
ACCOUNTS = [f"acct-{n:03d}" for n in range(12)]
INVISIBLES = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
FILES = {
    "cdr": f"cdr/date={DAY}/fuzz.jsonl",
    "usage": f"usage/date={DAY}/access.log",
    "asterisk": "cdr/pbx-ast/Master.csv",
    "freeswitch": "cdr/pbx-fs/Master.csv",
    "accounts": "accounts/accounts.csv",
}
ASTERISK = (
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "uniqueid",
    "userfield",
)
FREESWITCH = (
    "caller_id_name",
    "caller_id_number",
    "destination_number",
    "context",
    "start_stamp",
    "answer_stamp",
    "end_stamp",
    "duration",
    "billsec",
    "hangup_cause",
    "uuid",
    "bleg_uuid",
    "accountcode",
    "read_codec",
    "write_codec",
)
PLACES = sorted(
    [f"cdr:{name}" for name in CDR_FIELDS]
    + ["cdr:new-key", "cdr:new-key-value", "cdr:nested", "cdr:nested-in-field", "cdr:free-text"]
    + [
        f"usage:{name}"
        for name in (
            "query",
            "query-encoded",
            "query-raw",
            "path",
            "agent",
            "agent-product",
            "referer",
            "remote-user",
            "client-ip",
        )
    ]
    + [
        f"asterisk:{name}"
        for name in ("clid-name", "src", "dst", "accountcode", "dcontext", "channel", "lastdata", "userfield")
    ]
    + [
        f"freeswitch:{name}"
        for name in ("caller_id_name", "caller_id_number", "destination_number", "context", "accountcode", "bleg_uuid")
    ]
    + [f"accounts:{name}" for name in ("account_id", "username", "email", "full_name", "phone", "company")]
)
# Where ingest itself drops the value of an accepted record, by design: an unknown key
# keeps only its name, and no leg column holds these telephony fields (or only as E.164).
BRONZE_MAY_DROP = frozenset(
    {
        "cdr:new-key-value",
        "cdr:nested",
        "asterisk:src",
        "asterisk:accountcode",
        "asterisk:dcontext",
        "asterisk:channel",
        "asterisk:lastdata",
        "asterisk:userfield",
        "freeswitch:caller_id_number",
        "freeswitch:context",
        "freeswitch:accountcode",
        "freeswitch:bleg_uuid",
    }
)
# Places that cannot hold a space (a combined-log field, a URL path, a product token).
NO_SPACES = frozenset({"usage:path", "usage:agent-product", "usage:remote-user", "usage:client-ip"})


@dataclass(frozen=True)
class Planting:
    place: str
    kind: str
    value: str
    source_file: str = ""
    line_number: int = 0

    def describe(self) -> str:
        return f"{self.kind} {self.value!r} in {self.place} ({self.source_file}:{self.line_number})"


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


def _cdr_record(place: str, value: str, index: int) -> dict:
    record = leg(f"leg-fz-{index}", ACCOUNTS[index % len(ACCOUNTS)], START, END)
    where = place.removeprefix("cdr:")
    if where in CDR_FIELDS:
        record[where] = value
    elif where == "new-key":
        record[value] = "1"
    elif where == "new-key-value":
        record[f"x_contact_{index}"] = value
    elif where == "nested":
        record["client_debug"] = {"contact": [{"deep": value}], "n": 1}
    elif where == "nested-in-field":
        record["notes"] = {"contact": value}
    else:
        record["notes"] = f"Please call {value} after five"
    return record


def _usage_line(place: str, value: str) -> str:
    fields = {
        "ip": "198.51.100.20",
        "user": "-",
        "url": "/signin",
        "referer": "-",
        "agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/121.0",
    }
    fields.update(
        {
            "usage:query": {"url": f"/webinar/register/991?email={urllib.parse.quote_plus(value)}&utm=1"},
            "usage:query-encoded": {"url": f"/j/88?pwd=x&who={urllib.parse.quote(value, safe='')}"},
            "usage:query-raw": {"url": f"/signin?next={value.replace(' ', '+')}"},
            "usage:path": {"url": f"/u/{urllib.parse.quote(value, safe='@')}/profile"},
            "usage:agent": {"agent": f"Mozilla/5.0 (X11; {value}) Gecko/20100101 Firefox/121.0"},
            "usage:agent-product": {"agent": f"{value}/2.1 (+https://bots.example/)"},
            "usage:referer": {"referer": f"https://search.example/?q={urllib.parse.quote_plus(value)}"},
            "usage:remote-user": {"user": value},
            "usage:client-ip": {"ip": value},
        }.get(place, {})
    )
    return (
        f'{fields["ip"]} - {fields["user"]} [02/Nov/2026:14:05:03 +0000] "GET {fields["url"]} HTTP/1.1" '
        f'200 512 "{fields["referer"]}" "{fields["agent"]}"'
    )


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _asterisk_line(place: str, value: str, index: int) -> str:
    row = dict(
        zip(
            ASTERISK,
            (
                "acct-000",
                "2025550100",
                "7000",
                "conferences",
                '"Ann Example" <2025550100>',
                "SIP/trunk-00000001",
                "",
                "ConfBridge",
                "7000",
                f"{DAY} 09:05:00",
                f"{DAY} 09:05:02",
                f"{DAY} 09:35:02",
                "1802",
                "1800",
                "ANSWERED",
                "DOCUMENTATION",
                f"1762092300.{index}",
                "vip",
            ),
            strict=False,
        )
    )
    where = place.removeprefix("asterisk:")
    row.update({"clid": f'"{value}" <2025550100>'} if where == "clid-name" else {where: value})
    return ",".join(text if name in ("duration", "billsec") else _quoted(text) for name, text in row.items())


def _freeswitch_line(place: str, value: str, index: int) -> str:
    row = dict(
        zip(
            FREESWITCH,
            (
                "Gia Example",
                "2025550171",
                "7000",
                "default",
                f"{DAY} 09:05:00",
                f"{DAY} 09:05:02",
                f"{DAY} 09:35:02",
                "1802",
                "1800",
                "NORMAL_CLEARING",
                f"9a3b4c5d-6e7f-4a8b-9c0d-{index:012d}",
                "",
                "acct-000",
                "PCMU",
                "PCMU",
            ),
            strict=False,
        )
    )
    row[place.removeprefix("freeswitch:")] = value
    return ",".join(_quoted(text) for text in row.values())


def build_fuzz_landing(root: Path, planted: list[Planting]) -> list[Planting]:
    """Write root/landing and root/tollgate.yaml; returns the plantings with their lines."""
    landing = root / "landing"
    lines: dict[str, list[str]] = {source: [] for source in FILES}
    accounts = [account(name) for name in ACCOUNTS]
    located = []
    for index, planting in enumerate(planted):
        if planting.place in NO_SPACES:  # what is planted there is the value without spaces
            planting = Planting(planting.place, planting.kind, planting.value.replace(" ", "-"))
        source = planting.place.split(":")[0]
        if source == "accounts":
            field = planting.place.removeprefix("accounts:")
            fields = {"account_id": planting.value} if field == "account_id" else {field: planting.value}
            accounts.append(account(**{"account_id": f"acct-fz-{index}", **fields}))
            line_number = len(accounts) + 1  # after the header
        else:
            place, value = planting.place, planting.value
            if source == "cdr":
                line = json.dumps(_cdr_record(place, value, index), ensure_ascii=False)
            elif source == "usage":
                line = _usage_line(place, value)
            elif source == "asterisk":
                line = _asterisk_line(place, value, index)
            else:
                line = _freeswitch_line(place, value, index)
            lines[source].append(line)
            line_number = len(lines[source])
        located.append(Planting(planting.place, planting.kind, planting.value, FILES[source], line_number))
    write_accounts(landing, accounts)
    # The published cells: every account with two app legs and one dial-in leg at 09:05.
    base = [leg(f"leg-{n:03d}-{i}", name, START, END) for n, name in enumerate(ACCOUNTS) for i in range(2)]
    base += [
        leg(f"leg-{n:03d}-d", name, START, END, access_type="dial_in", product="audio")
        for n, name in enumerate(ACCOUNTS)
    ]
    lines["cdr"] += [json.dumps(record) for record in base]
    # A published web cell too: 12 visitors with the agent planted requests have by default.
    lines["usage"] += [
        _usage_line("usage:base", "").replace("198.51.100.20", f"198.51.100.{100 + n}") for n in range(12)
    ]
    for source, text in lines.items():
        if source != "accounts":
            (landing / FILES[source]).parent.mkdir(parents=True, exist_ok=True)
            (landing / FILES[source]).write_text("".join(line + "\n" for line in text), encoding="utf-8")
    (root / "tollgate.yaml").write_text(
        f"hmac_key_file: {root / 'no-key-file'}\ntelephony:\n"
        "  pbx-ast: {format: asterisk, timezone: America/New_York, account_id: acct-000, region: us, country: US}\n"
        "  pbx-fs: {format: freeswitch, timezone: America/New_York, account_id: acct-000, region: us, country: US}\n"
    )
    return located
