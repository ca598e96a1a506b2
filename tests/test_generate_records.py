"""What `tollgate generate` writes: records that follow the landing contract, realistic
accounts, billing, rhythms and logs, and the planted defects its summary counts."""

from __future__ import annotations

import collections
import csv
import datetime as dt
import json
import re
from zoneinfo import available_timezones

import phonenumbers

from jobs.synthetic import cdr as generate_cdr
from jobs.synthetic import landing as generate
from tests.generated_landing import accounts, cdr_lines, cdr_records
from transforms.vocabulary import ACCESS_TYPES, PRODUCTS, REGIONS

CDR_KEYS = {
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
    "duration_s",
    "recorded",
    "transcribed",
    "mos",
    "rating",
    "notes",
}
ZONES_OF_REGION = {
    "us": {"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"},
    "ca": {"America/Toronto", "America/Vancouver"},
    "ie": {"Europe/Dublin"},
    "jp": {"Asia/Tokyo"},
    "in": {"Asia/Kolkata"},
    "sg": {"Asia/Singapore"},
    "hk": {"Asia/Hong_Kong"},
    "uk": {"Europe/London"},
    "au": {"Australia/Sydney", "Australia/Perth"},
    "eu": {"Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Europe/Amsterdam"},
}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
COMBINED_LOG = re.compile(
    r"^(?P<ip>[0-9a-f.:]+) - - \[(?P<time>\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000)\] "
    r'"(?P<method>GET|POST) (?P<path>/\S*) HTTP/1\.1" (?P<status>\d{3}) (?P<bytes>\d+|-) '
    r'"(?P<referer>[^"]*)" "(?P<ua>[^"]*)"$'
)


def luhn_ok(number: str) -> bool:
    digits = [int(c) for c in reversed(number)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return number.isdigit() and total % 10 == 0


def test_cdr_records_follow_the_contract(generated_landing):
    root, summary = generated_landing
    records = cdr_records(root)
    extra = 0
    for day, record in records:
        keys = set(record)
        extra += "client_debug" in keys
        assert keys in (CDR_KEYS, CDR_KEYS - {"leg_id"}, CDR_KEYS | {"client_debug"})
        start = dt.datetime.fromisoformat(record["start_time"])
        end = dt.datetime.fromisoformat(record["end_time"])
        assert start.utcoffset() is not None and end.utcoffset() is not None
        assert (end - start).total_seconds() == record["duration_s"] > 0
        assert start.astimezone(dt.UTC).date().isoformat() == day
        assert record["access_type"] in ACCESS_TYPES and record["product"] in PRODUCTS
        assert record["region"] in REGIONS and 1.0 <= record["mos"] <= 5.0
        assert record["rating"] is None or record["rating"] in range(1, 6)
        if "NULL" not in record.values():
            is_phone = record["access_type"] in ("dial_in", "toll_free")
            assert (record["caller_number"] is not None) == is_phone
            assert (record["ip_address"] is None) == is_phone
    assert extra == summary["planted"]["extra_key"] > 0


def test_accounts_are_consistent(generated_landing):
    root, summary = generated_landing
    rows = accounts(root)
    window_start = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    minors = 0
    assert len(rows) == 200 and len({r["email"] for r in rows}) == 200
    for r in rows:
        assert re.fullmatch(r"acct-\d{7}", r["account_id"])
        assert r["timezone"] in available_timezones()
        assert r["timezone"] in ZONES_OF_REGION[r["region"]]
        number = phonenumbers.parse(r["phone"])
        assert phonenumbers.is_valid_number(number)
        assert r["country"] in phonenumbers.region_codes_for_country_code(number.country_code)
        assert re.fullmatch(r"\$2b\$12\$[./A-Za-z0-9]{53}", r["password_hash"])
        assert r["plan"] in ("free", "pro", "business", "enterprise")
        assert {r["marketing_consent"], r["do_not_sell"]} <= {"true", "false"}
        created = dt.datetime.fromisoformat(r["created_at"])
        assert created < window_start
        birth = dt.date.fromisoformat(r["birth_date"])
        leap_day = (birth.month, birth.day) == (2, 29)
        adult_on = dt.date(birth.year + 18, 3, 1) if leap_day else birth.replace(year=birth.year + 18)
        minors += created.date() < adult_on
    assert minors == summary["minors"] >= 1


def test_billing_cards_pass_luhn_and_addresses_survive_quoting(generated_landing):
    root, summary = generated_landing
    with (root / "billing" / "billing.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    paying = {r["account_id"] for r in accounts(root) if r["plan"] != "free"}
    assert len(rows) == summary["billing_rows"] == len(paying)  # the window is one month
    assert {r["account_id"] for r in rows} == paying
    assert all(luhn_ok(r["card_number"]) for r in rows)
    card = rows[0]["card_number"]
    assert not luhn_ok(card[:-1] + str((int(card[-1]) + 1) % 10))  # the check can fail
    assert any("\n" in r["billing_address"] for r in rows)


def test_weekday_business_hours_are_far_busier_than_nights(generated_landing):
    root, _ = generated_landing
    by_hour, by_weekday = collections.Counter(), collections.Counter()
    for _, record in cdr_records(root):
        start = dt.datetime.fromisoformat(record["start_time"])  # local wall time
        by_weekday[start.weekday() >= 5] += 1
        if start.weekday() < 5:
            by_hour[start.hour] += 1
    business = sum(by_hour[h] for h in (9, 10, 14, 15)) / 4
    night = sum(by_hour[h] for h in range(0, 6)) / 6
    assert business >= 5 * max(night, 1)
    assert by_weekday[False] / 5 >= 3 * by_weekday[True] / 2


def test_planted_defects_match_the_summary(generated_landing):
    root, summary = generated_landing
    found = collections.Counter()
    seen = collections.Counter()
    for day, line in cdr_lines(root):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            found["truncated_json" if line.startswith('{"') else "garbage_line"] += 1
            continue
        found["null_strings"] += "NULL" in record.values()
        found["missing_leg_id"] += "leg_id" not in record
        found["extra_key"] += "client_debug" in record
        found["extra_key_with_email"] += bool(EMAIL.search(record.get("client_debug", "")))
        if "leg_id" in record:
            found["duplicate_leg"] += seen[(day, record["leg_id"])] > 0
            seen[(day, record["leg_id"])] += 1
    planted = {k: v for k, v in summary["planted"].items() if k != "usage_truncated"}
    # A kind planted 0 times at this small size is absent from both sides.
    assert {k: v for k, v in found.items() if v} == {k: v for k, v in planted.items() if v}
    assert all(planted[k] >= 1 for k in generate_cdr.BAD_KINDS)


def test_usage_logs_are_combined_format_but_one_truncated_line(generated_landing):
    root, summary = generated_landing
    statuses, paths, ips, total = collections.Counter(), [], [], 0
    for log_file in sorted(root.glob("usage/date=*/access.log")):
        lines = log_file.read_text(encoding="utf-8").splitlines()
        total += len(lines)
        matches = [COMBINED_LOG.match(line) for line in lines]
        broken = [line for line, m in zip(lines, matches, strict=False) if m is None]
        assert len(broken) == 1 and broken[0].count('"') == 5  # the UA's quote left open
        day = dt.date.fromisoformat(log_file.parent.name.removeprefix("date="))
        for m in filter(None, matches):
            assert dt.datetime.strptime(m["time"], "%d/%b/%Y:%H:%M:%S %z").date() == day
            statuses[m["status"]] += 1
            paths.append(m["path"])
            ips.append(m["ip"])
    assert total == summary["usage_lines"] == 7 * 250
    assert summary["planted"]["usage_truncated"] == summary["usage_files"] == 7
    assert {"200", "304", "404"} <= set(statuses) and statuses["200"] > total / 2
    assert any("?email=" in p and "%40" in p for p in paths)
    assert any(p.startswith("/j/") and "?pwd=" in p for p in paths)
    assert 0 < sum(":" in ip for ip in ips) < len(ips) / 3


def test_notes_are_mostly_empty_and_some_hold_pii(generated_landing):
    root, _ = generated_landing
    notes = [r["notes"] for _, r in cdr_records(root) if r["notes"] not in (None, "NULL")]
    share = len(notes) / len(cdr_records(root))
    assert 0.08 < share < 0.25
    assert any(EMAIL.search(n) for n in notes)
    assert any(re.search(r"\+\d{9,14}", n) for n in notes)


def test_privacy_requests_name_known_accounts_inside_the_window(generated_landing):
    root, summary = generated_landing
    known = {r["account_id"] for r in accounts(root)}
    lines = (root / "privacy_requests" / "requests.jsonl").read_text(encoding="utf-8").splitlines()
    requests = [json.loads(line) for line in lines]
    assert len(requests) == summary["privacy_requests"] == 2
    for r in requests:
        assert set(r) == {"request_id", "kind", "account_id", "received_at"}
        assert r["kind"] in generate.REQUEST_KINDS and r["account_id"] in known
        received = dt.datetime.fromisoformat(r["received_at"])
        assert dt.datetime(2026, 11, 2, tzinfo=dt.UTC) <= received < dt.datetime(2026, 11, 9, tzinfo=dt.UTC)
