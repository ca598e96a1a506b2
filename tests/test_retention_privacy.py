"""Retention of the privacy tables, on one small lake: done requests go, open and in-force ones
stay; rejected request lines age by their own received_at; the privacy state's past versions'
files go after the window, its current snapshot stays; the suppression list and the audit are
never touched; a dry run counts what the real run deletes; no value reaches a Delta log."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from urllib.parse import unquote

import pytest

from jobs.config.policy import load_policy
from jobs.lake.frames import local_frame
from jobs.lake.layout import TABLES, Lake, delta_version, is_delta
from jobs.privacy.audit import AUDIT_SCHEMA
from jobs.rights.privacy_retention import past_version_files, vacuum_history
from jobs.rights.retention import apply_retention
from tests.test_policy import _policy_with

NOW = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
TODAY = NOW.date()
# Past every window here (requests 90 days, request lines 30), and inside them.
ANCIENT, OLD, RECENT = (NOW - dt.timedelta(days=n) for n in (400, 200, 5))
# (request_id, kind, account_id, received_at, the audit's action for it): every id starts with
# "req-" and every account with "acct-", so a scan of the Delta logs can look for them.
REQUESTS = [
    ("req-erasure-done", "erasure", None, OLD, "erasure"),  # applied, id forgotten: goes
    ("req-erasure-open", "erasure", "acct-2", OLD, None),  # open, whatever its age: stays
    ("req-erasure-as-access", "erasure", "acct-7", OLD, "access"),  # no erasure done for it: open
    ("req-access-done", "access", "acct-3", OLD, "access"),  # answered: goes
    ("req-access-open", "access", "acct-3", OLD, None),  # not answered: stays
    ("req-opt-in-old", "opt_in_to_sale", "acct-4", ANCIENT, None),  # superseded by the opt-out: goes
    ("req-opt-out-latest", "opt_out_of_sale", "acct-4", OLD, None),  # in force: stays
    ("req-withdrawal", "withdraw_marketing_consent", "acct-5", OLD, None),  # in force: stays
    ("req-opt-out-erased", "opt_out_of_sale", None, OLD, None),  # an erased account's: no state, goes
    ("req-erasure-recent", "erasure", None, RECENT, "erasure"),  # done, inside the window: stays
    ("req-access-undated", "access", "acct-6", None, "access"),  # no received_at: undated, stays
]
GONE = {"req-erasure-done", "req-access-done", "req-opt-in-old", "req-opt-out-erased"}


def _line(request_id: str, received_at: str) -> str:
    return json.dumps({"request_id": request_id, "kind": "erase", "account_id": "acct-9", "received_at": received_at})


# (source, landing_date, line_number, reason, raw_record, ingested_at); every request line was
# ingested today but one, as a nightly ingest re-reads the whole request file.
QUARANTINED = [
    ("privacy_requests", None, 20, "unknown kind", _line("req-q-old", f"{OLD.date()}T10:00:00+02:00"), NOW),  # goes
    ("privacy_requests", None, 21, "unknown kind", _line("req-q-new", f"{RECENT.date()}T10:00:00Z"), NOW),
    ("privacy_requests", None, 22, "malformed JSON", '{"request_id": "req-q-cut', NOW),  # ingest date: stays
    ("privacy_requests", None, 23, "malformed JSON", '{"request_id": "req-q-cut-2', OLD),  # ingested long ago: goes
    ("privacy_requests", None, 24, "invalid received_at", _line("req-q-when", "last tuesday"), NOW),
    ("accounts", None, 2, "invalid timezone", "acct-8,user_acct-8", OLD),  # the quarantine's own window: goes
    ("cdr", RECENT.date(), 3, "malformed JSON", '{"leg_id": "tr', NOW),
    ("accounts", None, 4, "blank line", None, None),  # no age at all: undated, stays
]


def _write_lake(spark, lake: Lake) -> None:
    rows = [
        ("privacy_requests/requests.jsonl", n, rid, kind, acct, f"hash-{n}", when, None, NOW)
        for n, (rid, kind, acct, when, _) in enumerate(REQUESTS, start=1)
    ]
    columns = "source_file string, line_number long, request_id string, kind string, account_id string, "
    columns += "account_hash string, received_at timestamp, landing_date date, ingested_at timestamp"
    local_frame(spark, rows, columns).write.format("delta").save(lake.privacy_requests)
    done = [(rid, action, "hash", ANCIENT, "bronze/cdr_legs", 1) for rid, *_, action in REQUESTS if action]
    local_frame(spark, done, AUDIT_SCHEMA).write.format("delta").save(lake.privacy_audit)
    suppressed = [("hash-of-an-erased-id", "account_id", ANCIENT)]  # long past every window
    local_frame(spark, suppressed, "identifier_hash string, kind string, added_at timestamp").write.format(
        "delta"
    ).save(lake.suppression)
    lines = [(s, d, "landing/file", n, r, raw, t) for s, d, n, r, raw, t in QUARANTINED]
    columns = "source string, landing_date date, source_file string, line_number long, reason string, "
    columns += "raw_record string, ingested_at timestamp"
    local_frame(spark, lines, columns).write.format("delta").partitionBy("source").save(lake.quarantine)
    state = "account_id string, do_not_sell boolean, marketing_consent boolean, updated_at timestamp, is_minor boolean"
    for accounts in (["acct-a", "acct-b", "acct-c"], ["acct-a", "acct-b"], ["acct-a"]):  # versions 0, 1, 2
        states = [(a, False, True, None, False) for a in accounts]
        local_frame(spark, states, state).write.format("delta").mode("overwrite").save(lake.privacy_state)


def _added_files(table: Path, version: int) -> set[Path]:
    commit = table / "_delta_log" / f"{version:020d}.json"
    actions = [json.loads(line) for line in commit.read_text().splitlines() if line]
    return {table / unquote(a["add"]["path"]) for a in actions if "add" in a}


def _age_first_removal(spark, table: Path, days: int) -> None:
    """Make version 1's removal of version 0's files, and those files, `days` old: a test cannot
    wait for the window, and VACUUM reads both the removal's time and the file's."""
    when = time.time() - days * 86400
    commit = table / "_delta_log" / f"{1:020d}.json"
    actions = [json.loads(line) for line in commit.read_text().splitlines() if line]
    for action in actions:
        if "remove" in action:
            action["remove"]["deletionTimestamp"] = int(when * 1000)
            os.utime(table / unquote(action["remove"]["path"]), (when, when))
    commit.write_text("".join(json.dumps(action) + "\n" for action in actions))
    (commit.parent / f".{commit.name}.crc").unlink(missing_ok=True)  # Hadoop's checksum of the old bytes
    spark._jvm.org.apache.spark.sql.delta.DeltaLog.clearCache()  # read the log again


def _versions(spark, lake: Lake) -> dict[str, int]:
    return {t: delta_version(lake.path(t)) for t in TABLES if is_delta(spark, lake.path(t))}


@pytest.fixture(scope="module")
def lake_run(spark, tmp_path_factory) -> dict:
    """The lake before and after a dry run and a real run as of today (state window: 7 days)."""
    root = tmp_path_factory.mktemp("privacy-retention")
    lake = Lake(root / "lake")
    _write_lake(spark, lake)
    state = Path(lake.privacy_state)
    _age_first_removal(spark, state, days=10)
    policy = load_policy(_policy_with(root, lambda d: d["retention"].update({"bronze.account_privacy_state": 7})))
    before = _versions(spark, lake)
    dry = apply_retention(spark, lake, policy, TODAY, dry_run=True)
    after_dry = _versions(spark, lake)
    real = apply_retention(spark, lake, policy, TODAY)
    return {
        "lake": lake,
        "before": before,
        "after_dry": after_dry,
        "after": _versions(spark, lake),
        "dry": {r.table: r for r in dry},
        "real": {r.table: r for r in real},
        "state_files": [_added_files(state, version) for version in range(3)],
    }


def test_a_dry_run_commits_nothing_and_counts_what_the_real_run_deletes(lake_run):
    assert lake_run["after_dry"] == lake_run["before"]
    dry, real = lake_run["dry"], lake_run["real"]
    assert [(r.table, r.rows_past, r.rows_kept, r.rows_undated) for r in dry.values()] == [
        (r.table, r.rows_past, r.rows_kept, r.rows_undated) for r in real.values()
    ]
    assert {t: r.rows_past for t, r in real.items() if r.status != "absent"} == {
        "bronze.quarantine": 1,
        "bronze.quarantine.privacy_requests": 2,
        "bronze.privacy_requests": len(GONE),
        "bronze.account_privacy_state": 3,  # the rows of version 0, the only past state past 7 days
    }
    assert real["bronze.privacy_requests"].status == "deleted"
    assert real["bronze.account_privacy_state"].status == "vacuumed"


def test_done_and_superseded_requests_go_open_and_in_force_ones_stay(spark, lake_run):
    result = lake_run["real"]["bronze.privacy_requests"]
    assert (result.rows_past, result.rows_kept, result.rows_undated) == (4, len(REQUESTS) - 4, 1)
    left = spark.read.format("delta").load(lake_run["lake"].privacy_requests).select("request_id").collect()
    assert sorted(row[0] for row in left) == sorted({r[0] for r in REQUESTS} - GONE)


def test_request_lines_age_by_their_received_at_then_their_ingest_date(spark, lake_run):
    lines, others = lake_run["real"]["bronze.quarantine.privacy_requests"], lake_run["real"]["bronze.quarantine"]
    assert (lines.rows_past, lines.rows_kept, lines.rows_undated) == (2, 3, 0)
    assert (others.rows_past, others.rows_kept, others.rows_undated) == (1, 2, 1)
    left = spark.read.format("delta").load(lake_run["lake"].quarantine).select("source", "line_number").collect()
    assert sorted((row[0], row[1]) for row in left) == [
        ("accounts", 4),
        ("cdr", 3),
        ("privacy_requests", 21),
        ("privacy_requests", 22),
        ("privacy_requests", 24),
    ]


def test_past_states_files_go_after_the_window_and_the_current_state_stays(spark, lake_run):
    past, recent, current = lake_run["state_files"]
    assert past and not any(path.exists() for path in past), "version 0 was replaced 10 days ago"
    assert all(path.exists() for path in recent | current), "version 1 was replaced today"
    state_df = spark.read.format("delta").load(lake_run["lake"].privacy_state)
    assert [row[0] for row in state_df.select("account_id").collect()] == ["acct-a"]
    assert lake_run["real"]["bronze.account_privacy_state"].rows_kept == 1


def test_the_suppression_list_and_the_audit_are_untouched(spark, lake_run):
    lake = lake_run["lake"]
    for table in ("_privacy/suppression", "_privacy/audit"):
        assert lake_run["after"][table] == lake_run["before"][table], table
    assert spark.read.format("delta").load(lake.suppression).count() == 1
    assert spark.read.format("delta").load(lake.privacy_audit).count() == sum(1 for *_, action in REQUESTS if action)


def test_no_request_id_account_or_raw_line_reaches_a_delta_log(lake_run):
    lake = lake_run["lake"]
    for table in (lake.privacy_requests, lake.quarantine):
        logs = sorted((Path(table) / "_delta_log").glob("*.json"))
        assert len(logs) > 1, "retention committed to the table"
        text = "".join(path.read_text() for path in logs)
        assert "req-" not in text and "acct-" not in text and "last tuesday" not in text


def test_history_vacuum_keeps_what_is_inside_a_window_longer_than_deltas_seven_days(spark, tmp_path):
    """Delta 4.3 would use its own 7 days for any VACUUM retention but 0 hours: a 30-day
    window's files would go after 7 days, and the dry run would list them."""
    path = tmp_path / "state"
    spark.range(3).coalesce(1).write.format("delta").save(str(path))
    [data_file] = path.glob("*.parquet")
    aged = {}
    for days in (10, 40):  # files no version refers to, as old as a past state's would be
        aged[days] = path / f"part-aged-{days}.parquet"
        aged[days].write_bytes(data_file.read_bytes())
        os.utime(aged[days], (time.time() - days * 86400,) * 2)
    assert [Path(unquote(name)).name for name in past_version_files(spark, str(path), 30)] == ["part-aged-40.parquet"]
    vacuum_history(spark, str(path), 30)
    assert (aged[10].exists(), aged[40].exists(), data_file.exists()) == (True, False, True)
    assert spark.read.format("delta").load(str(path)).count() == 3
