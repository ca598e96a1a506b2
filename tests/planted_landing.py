"""A tiny landing folder with personal values planted in every place a record can hold text,
for the whole-path tests (test_pipeline.py and the tests that reuse its landing)."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

from tests.landing_fixtures import account, leg, log_line, write_accounts, write_cdr, write_usage
from tests.leak_scan import normalised_forms

DAY = "2026-11-02"  # a Monday
START, END = f"{DAY}T09:05:00-05:00", f"{DAY}T09:35:00-05:00"


def _luhn_complete(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits + "0")):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return digits + str((10 - total % 10) % 10)


PLANTED = {
    "email": "zq.planted.user@leak-test.example",
    "phone": "+1 202-555-0187",
    "ip": "203.0.113.77",
    "name": "Quintessa Marlowe-Ybarra",
    "card": _luhn_complete("453914880343646"),
}
PLANTED_TEXT = " ".join(PLANTED.values())
CDR_STRING_FIELDS = (
    "leg_id",
    "conference_id",
    "account_id",
    "participant_name",
    "participant_email",
    "caller_number",
    "access_number",
    "access_type",
    "ip_address",
    "user_agent",
    "country",
    "region",
    "product",
    "start_time",
    "end_time",
    "notes",
)


def planted_forms() -> set[str]:
    """Every planted value and the normalised forms a leak could take (tests/leak_scan.py)."""
    return {form for value in PLANTED.values() for form in normalised_forms(value)} | {"leak-test.example"}


def build_landing(landing: Path) -> None:
    accounts = [account(f"acct-{n:03d}") for n in range(12)]
    accounts.append(
        account(
            "acct-planted",
            username=PLANTED_TEXT,
            email=PLANTED["email"],
            full_name=PLANTED["name"],
            phone=PLANTED["phone"],
            company=PLANTED_TEXT,
        )
    )
    write_accounts(landing, accounts)
    legs = [leg(f"leg-{n:03d}-{i}", f"acct-{n:03d}", START, END) for n in range(12) for i in range(2)]
    for n, field in enumerate(CDR_STRING_FIELDS):
        # A webinar cell of one account: suppressed, so it cannot reach the export anyway.
        planted = leg(f"leg-planted-{n}", "acct-planted", START, END, notes=PLANTED_TEXT, product="webinar")
        planted[field] = PLANTED_TEXT
        legs.append(planted)
    legs.append(leg("leg-extra", "acct-planted", START, END, product="webinar", client_debug={"nested": PLANTED_TEXT}))
    legs.append('{"leg_id": "leg-truncated", "notes": "' + PLANTED_TEXT)
    write_cdr(landing, DAY, legs)
    query = urllib.parse.urlencode({"email": PLANTED["email"], "name": PLANTED["name"]})
    write_usage(
        landing,
        DAY,
        [
            log_line(PLANTED["ip"], "02/Nov/2026:14:05:03 +0000", f"/webinar/register/991?{query}", PLANTED_TEXT),
            log_line("198.51.100.20", "02/Nov/2026:14:06:03 +0000", "/signin", "Mozilla/5.0 (Windows NT 10.0)"),
        ],
    )
