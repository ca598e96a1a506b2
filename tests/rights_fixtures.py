"""A small landing folder for people's rights: an account to erase (with identifiers found
nowhere else), accounts that opt out of sale, one that asks for access, and a minor."""

from __future__ import annotations

import json
from pathlib import Path

from jobs.commands.cli import main
from tests.landing_fixtures import account, leg, log_line, write_accounts, write_cdr, write_usage
from tests.test_billing import billing_row, write_billing

DAY = "2026-11-02"  # a Monday
START, END = f"{DAY}T09:05:00-05:00", f"{DAY}T09:35:00-05:00"
AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
REGULAR = [f"acct-{n:03d}" for n in range(14)]
ERASED = {
    "account_id": "acct-9xq7zt",
    "email": "ottoline.quill@forget-test.example",
    "username": "quillfeather_77",
    "phone": "+44 20 7946 0321",
    "full_name": "Ottoline Quillfeather",
}
CARD = "4539148803436467"  # Luhn-valid test number
OPTED_OUT_BY_REQUEST = "acct-002"
OPTED_OUT_AT_REGISTRATION = "acct-003"
ACCESS_ACCOUNT = "acct-001"
MINOR = "acct-minor-01"


def build_rights_landing(landing: Path) -> None:
    accounts = [
        account(
            a,
            username=f"user_{a}",
            email=f"{a}@example.org",
            phone=f"+1202555{n:04d}",
            do_not_sell="true" if a == OPTED_OUT_AT_REGISTRATION else "false",
        )
        for n, a in enumerate(REGULAR)
    ]
    accounts.append(
        account(
            ERASED["account_id"],
            username=ERASED["username"],
            email=ERASED["email"],
            phone=ERASED["phone"],
            full_name=ERASED["full_name"],
        )
    )
    accounts.append(account(MINOR, birth_date="2011-05-01", created_at="2024-01-05T10:00:00Z"))
    write_accounts(landing, accounts)
    legs = [leg(f"leg-{a}-{i}", a, START, END) for a in REGULAR for i in range(2)]
    legs += [
        leg(
            f"leg-erase-{i}",
            ERASED["account_id"],
            START,
            END,
            participant_name=ERASED["full_name"],
            participant_email=ERASED["email"],
            caller_number=ERASED["phone"],
        )
        for i in range(3)
    ]
    # The erased person as a participant of someone else's conference.
    legs.append(
        leg(
            "leg-guest",
            "acct-000",
            START,
            END,
            participant_name=ERASED["full_name"],
            participant_email=ERASED["email"].upper(),
            access_type="dial_in",
            caller_number="0044 20 7946 0321",
        )
    )
    legs.append(leg("leg-minor", MINOR, START, END))
    # A broken line of the erased account: quarantined whole, raw text and all.
    legs.append(
        '{"leg_id": "leg-erase-broken", "account_id": "'
        + ERASED["account_id"]
        + '", "participant_email": "'
        + ERASED["email"]
    )
    write_cdr(landing, DAY, legs)
    write_usage(
        landing,
        DAY,
        [
            log_line(
                "203.0.113.9",
                "02/Nov/2026:14:05:03 +0000",
                "/webinar/register/991?email=" + ERASED["email"].replace("@", "%40"),
                AGENT,
            ),
            log_line("198.51.100.20", "02/Nov/2026:14:06:03 +0000", "/signin", AGENT),
            f"198.51.100.21 - user_{ACCESS_ACCOUNT} [02/Nov/2026:14:07:03 +0000] "
            f'"GET /profile HTTP/1.1" 200 512 "-" "{AGENT}"',
        ],
    )
    write_billing(
        landing,
        [
            billing_row("txn-erase-1", ERASED["account_id"], card_number=CARD, cardholder_name=ERASED["full_name"]),
            billing_row("txn-keep-1", "acct-000"),
        ],
    )
    write_requests(
        landing,
        [
            {
                "request_id": "pr_erase_1",
                "kind": "erasure",
                "account_id": ERASED["account_id"],
                "received_at": "2026-11-03T10:00:00Z",
            },
            {
                "request_id": "pr_access_1",
                "kind": "access",
                "account_id": ACCESS_ACCOUNT,
                "received_at": "2026-11-03T11:00:00Z",
            },
            {
                "request_id": "pr_optout_1",
                "kind": "opt_out_of_sale",
                "account_id": OPTED_OUT_BY_REQUEST,
                "received_at": "2026-11-03T12:00:00Z",
            },
            '{"request_id": "pr_broken", "kind": "erasure", "account_id": "' + ERASED["account_id"],
        ],
    )


def write_requests(landing: Path, requests: list[dict | str]) -> Path:
    path = landing / "privacy_requests" / "requests.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r) for r in requests]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def where(root: Path, *extra: str) -> list[str]:
    return [
        "--landing",
        str(root / "landing"),
        "--lake",
        str(root / "lake"),
        "--exports",
        str(root / "exports"),
        *extra,
    ]


def run_cli(command: str, root: Path, *extra: str) -> int:
    return main([command, *where(root, *extra)])
