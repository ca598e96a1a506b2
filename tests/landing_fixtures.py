"""Tiny, hand-written landing folders for pipeline tests (the generator has its own tests)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

ACCOUNT_HEADER = [
    "account_id",
    "username",
    "email",
    "full_name",
    "phone",
    "company",
    "country",
    "region",
    "timezone",
    "plan",
    "created_at",
    "birth_date",
    "marketing_consent",
    "do_not_sell",
    "password_hash",
]


def account(account_id: str, region: str = "us", timezone: str = "America/New_York", **extra) -> dict:
    row = {
        "account_id": account_id,
        "username": f"user_{account_id}",
        "email": f"{account_id}@example.org",
        "full_name": "Test Person",
        "phone": "+12025550143",
        "company": "Example Co",
        "country": "US",
        "region": region,
        "timezone": timezone,
        "plan": "pro",
        "created_at": "2024-01-05T10:00:00Z",
        "birth_date": "1980-02-03",
        "marketing_consent": "true",
        "do_not_sell": "false",
        "password_hash": "$2b$12$abcdefghijklmnopqrstuuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZa",
    }
    row.update(extra)
    return row


def leg(leg_id: str, account_id: str, start: str, end: str, **extra) -> dict:
    row = {
        "leg_id": leg_id,
        "conference_id": f"conf-{leg_id}",
        "account_id": account_id,
        "participant_name": "Test Person",
        "participant_email": "someone@example.org",
        "caller_number": None,
        "access_number": None,
        "access_type": "app",
        "ip_address": "198.51.100.7",
        "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        "country": "US",
        "region": "us",
        "product": "meeting",
        "start_time": start,
        "end_time": end,
        "duration_s": 600,
        "recorded": False,
        "transcribed": False,
        "mos": 4.3,
        "rating": None,
        "notes": None,
    }
    row.update(extra)
    return row


def write_accounts(landing: Path, accounts: list[dict]) -> Path:
    path = landing / "accounts" / "accounts.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=ACCOUNT_HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(accounts)
    return path


def write_cdr(landing: Path, day: str, records: list[dict | str], name: str = "legs-000.jsonl") -> Path:
    """Write JSON lines; a str record is written verbatim (for malformed lines)."""
    path = landing / "cdr" / f"date={day}" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_usage(landing: Path, day: str, lines: list[str]) -> Path:
    path = landing / "usage" / f"date={day}" / "access.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def log_line(ip: str, when: str, url: str, agent: str, status: int = 200) -> str:
    return f'{ip} - - [{when}] "GET {url} HTTP/1.1" {status} 512 "-" "{agent}"'
