"""The places a record can carry a personal value, and a landing folder that holds each planting
in a record of its own (tests/test_planted_pii_fuzz.py; the values come from tests/pii_strategies.py).

The landing has one published cell per access path (12 accounts, k = 10): planted legs
that are accepted land in it, so a value that slipped into gold would be exported, not
suppressed with a small cell.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tests.landing_fixtures import account, leg, write_accounts
from tests.pii_records import ACCOUNTS, DAY, END, START, asterisk_line, cdr_record, freeswitch_line, usage_line
from transforms.parse_cdr import CDR_FIELDS

FILES = {
    "cdr": f"cdr/date={DAY}/fuzz.jsonl",
    "usage": f"usage/date={DAY}/access.log",
    "asterisk": "cdr/pbx-ast/Master.csv",
    "freeswitch": "cdr/pbx-fs/Master.csv",
    "accounts": "accounts/accounts.csv",
}
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
                line = json.dumps(cdr_record(place, value, index), ensure_ascii=False)
            elif source == "usage":
                line = usage_line(place, value)
            elif source == "asterisk":
                line = asterisk_line(place, value, index)
            else:
                line = freeswitch_line(place, value, index)
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
        usage_line("usage:base", "").replace("198.51.100.20", f"198.51.100.{100 + n}") for n in range(12)
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
