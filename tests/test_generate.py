"""`tollgate generate`: determinism, the landing layout, its options and the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
from zoneinfo import ZoneInfo

from jobs.commands import generate as generate_command
from jobs.synthetic import cdr as generate_cdr
from jobs.synthetic import landing as generate
from jobs.synthetic.landing import generate_landing
from tests.generated_landing import SMALL, accounts, cdr_records, tree


def test_same_seed_gives_byte_identical_tree(generated_landing, tmp_path):
    root, _ = generated_landing
    generate_landing(tmp_path, **SMALL)
    assert tree(tmp_path) == tree(root)


def test_different_seed_gives_different_files(generated_landing, tmp_path):
    root, _ = generated_landing
    generate_landing(tmp_path, **{**SMALL, "seed": 8})
    first, second = tree(root), tree(tmp_path)
    assert first.keys() == second.keys()
    assert all(first[name] != second[name] for name in first)


def test_layout_is_the_landing_contract(generated_landing):
    root, summary = generated_landing
    days = [(dt.date(2026, 11, 2) + dt.timedelta(days=d)).isoformat() for d in range(7)]
    expected = {"accounts/accounts.csv", "billing/billing.csv", "privacy_requests/requests.jsonl"}
    expected |= {f"cdr/date={d}/legs-000.jsonl" for d in days}
    expected |= {f"usage/date={d}/access.log" for d in days}
    assert set(tree(root)) == expected
    assert summary["files"] == len(expected)
    assert summary["legs"] == 7 * 500
    header = (root / "accounts" / "accounts.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(generate.ACCOUNT_HEADER)


def test_leg_times_carry_the_account_zone_offset_across_a_dst_change(tmp_path):
    # US clocks fall back on 2026-11-01: New York legs must show both -04:00 and -05:00.
    generate_landing(tmp_path, days=3, accounts=200, legs_per_day=400, start=dt.date(2026, 10, 30))
    zone_of = {row["account_id"]: row["timezone"] for row in accounts(tmp_path)}
    new_york = set()
    for _, record in cdr_records(tmp_path):
        start = dt.datetime.fromisoformat(record["start_time"])
        zone = ZoneInfo(zone_of[record["account_id"]])
        assert start.utcoffset() == start.astimezone(zone).utcoffset()
        if zone.key == "America/New_York":
            new_york.add(record["start_time"][-6:])
    assert new_york == {"-04:00", "-05:00"}


def test_days_split_into_parts_of_bounded_size(tmp_path, monkeypatch):
    monkeypatch.setattr(generate_cdr, "MAX_LINES_PER_PART", 100)
    summary = generate_landing(tmp_path, days=1, accounts=50, legs_per_day=250)
    parts = sorted(tmp_path.glob("cdr/date=2026-11-02/legs-*.jsonl"))
    sizes = [len(p.read_text(encoding="utf-8").splitlines()) for p in parts]
    assert [p.name for p in parts] == ["legs-000.jsonl", "legs-001.jsonl", "legs-002.jsonl"]
    assert max(sizes) == 100 and sum(sizes) == summary["cdr_lines"]


def test_command_line_runs_and_logs_no_personal_values(tmp_path, caplog):
    parser = argparse.ArgumentParser()
    generate_command.configure(parser)
    args = parser.parse_args(["--out", str(tmp_path), "--days", "2", "--accounts", "60", "--legs-per-day", "200"])
    with caplog.at_level(logging.DEBUG, logger="tollgate.generate"):
        assert generate_command.run(args) == 0
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "cdr 2026-11-03" in logged
    for row in accounts(tmp_path):
        assert row["email"] not in logged and row["full_name"] not in logged
