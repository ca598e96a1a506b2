"""One landing record of each source (CDR JSON line, combined-format log line, Asterisk and
FreeSWITCH CSV line) with a value planted in one of its places, for tests/pii_plantings.py."""

from __future__ import annotations

import urllib.parse

from tests.landing_fixtures import leg
from transforms.parse_cdr import CDR_FIELDS

DAY = "2026-11-02"  # a Monday; 09:05 in New York is 14:05 UTC
START, END = f"{DAY}T09:05:00-05:00", f"{DAY}T09:35:00-05:00"
ACCOUNTS = [f"acct-{n:03d}" for n in range(12)]
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


def cdr_record(place: str, value: str, index: int) -> dict:
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


def usage_line(place: str, value: str) -> str:
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


def asterisk_line(place: str, value: str, index: int) -> str:
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


def freeswitch_line(place: str, value: str, index: int) -> str:
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
