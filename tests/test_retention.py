"""Retention: rows past their table's window go, the rest stay, and a dry run agrees."""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

import pytest
from pyspark.sql import functions as F

import jobs.commands.retention as retention_command
import jobs.rights.retention as retention
from jobs.commands.cli import main
from jobs.config.policy import RETENTION_TABLES, load_policy
from jobs.lake.frames import local_frame
from jobs.lake.layout import TABLES, Lake, delta_version, is_delta
from tests.landing_fixtures import account, leg, log_line, write_accounts, write_cdr, write_usage
from tests.test_policy import _policy_with

CONF = Path(__file__).resolve().parents[1] / "conf"
TODAY = dt.datetime.now(dt.UTC).date()
# Past every window (bronze 90, silver 395), past bronze only, and inside every window.
ANCIENT, OLD, RECENT = (TODAY - dt.timedelta(days=n) for n in (400, 200, 5))
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36"


def _build_landing(landing: Path) -> None:
    accounts = [account(f"acct-{n}") for n in range(3)]
    accounts.append(account("acct-bad-zone", timezone="Mars/Olympus"))  # quarantined, undated
    write_accounts(landing, accounts)
    for day in (ANCIENT, OLD, RECENT):
        start, end = f"{day}T12:00:00+00:00", f"{day}T12:30:00+00:00"
        legs = [leg(f"leg-{day}-{n}-{i}", f"acct-{n}", start, end) for n in range(3) for i in range(2)]
        write_cdr(landing, day.isoformat(), [*legs, '{"leg_id": "truncated'])
        when = day.strftime("%d/%b/%Y:12:00:00 +0000")
        write_usage(
            landing,
            day.isoformat(),
            [log_line("198.51.100.20", when, "/signin", CHROME), log_line("198.51.100.21", when, "/join/123", CHROME)],
        )


def _versions(spark, lake: Lake) -> dict[str, int]:
    """Every lake table's current version (a commit anywhere changes this)."""
    return {t: delta_version(lake.path(t)) for t in TABLES if is_delta(spark, lake.path(t))}


def _dates(spark, path: str) -> list:
    rows = spark.read.format("delta").load(path).select("landing_date").distinct().collect()
    return sorted((row[0] for row in rows), key=lambda d: (d is not None, d))


@pytest.fixture()
def captured_results(monkeypatch) -> list:
    """Each run's results, as the command printed them."""
    runs = []
    original = retention_command.print_results

    def capture(results, as_of, dry_run):
        runs.append(results)
        original(results, as_of, dry_run)

    monkeypatch.setattr(retention_command, "print_results", capture)
    return runs


def test_every_retention_entry_has_a_rule_and_a_shipped_window():
    own_rules = {retention.REQUESTS, retention.STATE_HISTORY}
    assert set(retention.ROW_WINDOWS) | own_rules == set(RETENTION_TABLES)
    assert not set(retention.ROW_WINDOWS) & own_rules
    assert set(load_policy(CONF / "privacy-policy.yaml").retention) == set(RETENTION_TABLES)


def test_cutoff_keeps_the_day_exactly_one_window_back():
    assert retention.cutoff_for(dt.date(2026, 12, 1), 90) == dt.date(2026, 9, 2)
    assert retention.age_expression(["landing_date"]) == "landing_date"
    assert retention.age_expression(["landing_date", "ingested_at"]) == (
        "coalesce(landing_date, TRY_CAST(ingested_at AS DATE))"
    )
    # A request line's own received_at first: its ingest date is renewed by every ingest.
    line_age = retention.age_expression([retention.LINE_RECEIVED_AT, "ingested_at"])
    assert line_age.startswith("coalesce(TRY_CAST(try_to_timestamp(trim(get_json_object(raw_record, '$.received_at')))")


def test_dry_run_and_real_run_agree_and_only_rows_past_their_window_go(
    spark, tmp_path, hmac_key, captured_results, capsys
):
    landing, lake_dir = tmp_path / "landing", tmp_path / "lake"
    _build_landing(landing)
    places = ["--landing", str(landing), "--lake", str(lake_dir), "--exports", str(tmp_path / "exports")]
    assert main(["ingest", *places]) == 0
    assert main(["anonymize", *places]) == 0
    lake = Lake(lake_dir)
    before = _versions(spark, lake)
    written = {"bronze/cdr_legs", "bronze/usage_log", "bronze/quarantine", "bronze/account_privacy_state"}
    assert written | {"silver/cdr_legs", "silver/web_requests"} <= set(before)
    assert not {"bronze/billing", "bronze/privacy_requests"} & set(before)

    assert main(["retention", "--dry-run", *places]) == 0
    assert "would delete" in capsys.readouterr().out
    assert _versions(spark, lake) == before, "a dry run must not commit anything"
    assert main(["retention", *places]) == 0
    dry, real = captured_results
    assert [(r.table, r.rows_past, r.rows_kept, r.rows_undated) for r in dry] == [
        (r.table, r.rows_past, r.rows_kept, r.rows_undated) for r in real
    ]
    past = {r.table: r.rows_past for r in real}
    assert past == {
        "bronze.cdr_legs": 12,  # 6 legs on each of the two days before the 90-day cutoff
        "bronze.usage_log": 4,
        "bronze.quarantine": 2,  # the truncated CDR lines of those days
        "bronze.quarantine.privacy_requests": 0,  # no request files landed
        "bronze.billing": 0,
        "bronze.privacy_requests": 0,
        "bronze.account_privacy_state": 0,  # one version: no past state
        "silver.cdr_legs": 6,  # only the day past 395 days
        "silver.web_requests": 2,
    }
    statuses = {r.table: r.status for r in real}
    assert (statuses["bronze.billing"], statuses["bronze.privacy_requests"]) == ("absent", "absent")
    assert statuses["bronze.account_privacy_state"] == "nothing past window"
    assert {r.table: r.status for r in dry}["bronze.cdr_legs"] == "dry run"

    assert _dates(spark, lake.bronze_cdr) == [RECENT]
    assert _dates(spark, lake.bronze_usage) == [RECENT]
    assert _dates(spark, lake.silver_cdr) == [OLD, RECENT]
    assert _dates(spark, lake.silver_web) == [OLD, RECENT]
    # The accounts snapshot's reject has no landing_date and was ingested today: it stays.
    assert _dates(spark, lake.quarantine) == [None, RECENT]
    assert spark.read.format("delta").load(lake.bronze_accounts).count() == 3

    assert main(["retention", *places]) == 0
    again = captured_results[2]
    assert [r.rows_past for r in again] == [0] * len(RETENTION_TABLES)
    assert {r.status for r in again} == {"nothing past window", "absent"}


def test_quarantine_ages_by_landing_date_then_ingest_date(spark, tmp_path):
    old_ts, new_ts = dt.datetime(2026, 1, 2, 8), dt.datetime(2026, 11, 30, 8)
    rows = [
        ("r-null-old", None, old_ts),  # accounts snapshot reject ingested long ago: goes
        ("r-null-new", None, new_ts),  # ingested recently: stays
        ("r-old-new", dt.date(2026, 1, 2), new_ts),  # landing_date wins over a re-ingest: goes
        ("r-new-old", dt.date(2026, 11, 30), old_ts),  # stays
        ("r-undated", None, None),  # no age at all: never deleted, counted
    ]
    lake = Lake(tmp_path / "lake")
    (
        local_frame(spark, rows, "reason string, landing_date date, ingested_at timestamp")
        .withColumn("source", F.lit("accounts"))
        .write.format("delta")
        .partitionBy("source")
        .save(lake.quarantine)
    )
    policy = load_policy(CONF / "privacy-policy.yaml")
    results = retention.apply_retention(spark, lake, policy, dt.date(2026, 12, 1))
    by_table = {r.table: r for r in results}
    assert (by_table["bronze.quarantine"].rows_past, by_table["bronze.quarantine"].rows_undated) == (2, 1)
    # The requests' own window covers none of these rows.
    lines = by_table.pop("bronze.quarantine.privacy_requests")
    assert (lines.rows_past, lines.rows_kept, lines.status) == (0, 0, "nothing past window")
    assert {r.status for t, r in by_table.items() if t != "bronze.quarantine"} == {"absent"}
    left = spark.read.format("delta").load(lake.quarantine).select("reason").collect()
    assert sorted(row[0] for row in left) == ["r-new-old", "r-null-new", "r-undated"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("retention"), "retention: missing the section"),
        (lambda d: d["retention"].update({"bronze.cdr_leg": 90}), "retention.bronze.cdr_leg: unknown table"),
        (
            lambda d: d["retention"].update({"bronze.accounts": 30}),
            "retention.bronze.accounts: the current registration",
        ),
        (lambda d: d["retention"].update({"silver.cdr_legs": 0}), "retention.silver.cdr_legs: the window must be"),
        (lambda d: d["retention"].update({"silver.cdr_legs": -5}), "retention.silver.cdr_legs: the window must be"),
        (lambda d: d["retention"].update({"bronze.usage_log": 30.5}), "retention.bronze.usage_log: the window must be"),
        (lambda d: d["retention"].update({"bronze.usage_log": "90"}), "retention.bronze.usage_log: the window must be"),
        (lambda d: d["retention"].update({"bronze.usage_log": True}), "retention.bronze.usage_log: the window must be"),
        (lambda d: d["retention"].pop("bronze.quarantine"), "retention: no window for bronze.quarantine"),
        (
            lambda d: d["retention"].pop("bronze.privacy_requests"),
            "retention: no window for bronze.privacy_requests",
        ),
        (
            lambda d: d["retention"].update({"_privacy.suppression": 3650}),
            "retention._privacy.suppression: the suppression list never ages out",
        ),
        (
            lambda d: d["retention"].update({"_privacy.audit": 3650}),
            "retention._privacy.audit: the privacy audit never ages out",
        ),
        (
            lambda d: d["retention"].update({"bronze.account_privacy_state": 6}),
            "retention.bronze.account_privacy_state: a history window must be at least 7 days",
        ),
        (
            lambda d: d["retention"].update({"bronze.quarantine.privacy_requests": 0}),
            "retention.bronze.quarantine.privacy_requests: the window must be",
        ),
    ],
)
def test_bad_retention_policy_exits_2_naming_the_key(tmp_path, change, message, caplog):
    path = _policy_with(tmp_path, change)
    with caplog.at_level(logging.ERROR, logger="tollgate"):
        code = main(["retention", "--dry-run", "--lake", str(tmp_path / "lake"), "--policy", str(path)])
    assert code == 2
    # "<key path> (line N): <problem>"; a missing section has no line to name.
    assert re.search(re.escape(message).replace(":", r"( \(line \d+\))?:", 1), caplog.text), caplog.text
