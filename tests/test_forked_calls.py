"""A leg is a leg: Asterisk's uniqueid names a channel, and a forked dial
(Dial(SIP/alice&SIP/bob&SIP/carol)) logs one record per dialed channel under it. Each is a
leg in the parse, in bronze and in gold; only a record repeated whole is a duplicate."""

from __future__ import annotations

import logging
import re
import shutil

from pyspark.sql import functions as F

from jobs.commands.cli import main
from tests.landing_fixtures import account, write_accounts
from tests.leak_scan import every_byte_and_value
from tests.pbx_lines import LAYOUTS, parse_layout, reasons, times, utc
from transforms.aggregates import usage_by_time_of_day
from transforms.cdr_layouts import PRESETS

FORK, FORK_18 = "asterisk_forked_dial.csv", "asterisk_forked_no_sequence.csv"
FORK_IDS = ["1707757200.201/3", "1707757200.201/4", "1707757200.201/5"]
TABLE_EXTRAS = ["acctid", "did", "sipcallid", "tenant", "trunk"]
PBX = (
    "    format: asterisk\n    timezone: America/New_York\n    account_id: acct-fork\n    region: us\n    country: US\n"
)


def test_a_forked_dial_is_three_legs_with_sequence_or_without(spark):
    parsed = parse_layout(spark, PRESETS["asterisk"]["cdr_csv"], [FORK, FORK_18])
    fork, fork18 = parsed[FORK], parsed[FORK_18]
    assert reasons(fork) == {1: None, 2: None, 3: None, 4: "duplicate leg_id"}  # line 4 repeats line 1 whole
    assert [fork[n].leg_id for n in (1, 2, 3, 4)] == [*FORK_IDS, FORK_IDS[0]]
    assert times(fork[2]) == (
        utc("2024-02-12 17:00:00"),
        utc("2024-02-12 17:00:12"),
        utc("2024-02-12 17:30:12"),
        1812,
        1800,
    )
    assert [fork[n].disposition for n in (1, 2, 3)] == ["NO ANSWER", "ANSWERED", "NO ANSWER"]
    # 18 fields, no sequence: the dialed channel, start and end tell the legs apart.
    assert reasons(fork18) == {1: None, 2: None, 3: None, 4: "duplicate leg_id"}  # line 4 repeats line 2
    ids = [fork18[n].leg_id for n in (1, 2, 3, 4)]
    assert all(re.fullmatch(r"1707757500\.211/[0-9a-f]{16}", leg_id) for leg_id in ids)
    assert len(set(ids[:3])) == 3 and ids[3] == ids[1]


def test_forked_legs_reach_bronze_silver_and_gold(spark, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("TOLLGATE_HMAC_KEY", "forked-calls-test-key-0123456789abcdef")
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    write_accounts(landing, [account("acct-fork", region="us", timezone="America/New_York")])
    for folder, fixture in (("fork-pbx", FORK), ("table-pbx", "asterisk_cdr_table.csv")):
        (landing / "cdr" / folder).mkdir(parents=True)
        shutil.copy(LAYOUTS / fixture, landing / "cdr" / folder / "Master.csv")
    config = tmp_path / "tollgate.yaml"
    config.write_text(
        f"hmac_key_file: unused.key\ntelephony:\n  fork-pbx:\n{PBX}  table-pbx:\n{PBX}    layout: cdr_table\n"
    )
    where = ["--landing", str(landing), "--lake", str(lake), "--config", str(config)]
    with caplog.at_level(logging.WARNING, logger="tollgate"):
        assert main(["ingest", *where]) == 0
    bronze = spark.read.format("delta").load(str(lake / "bronze" / "cdr_legs"))
    quarantine = spark.read.format("delta").load(str(lake / "bronze" / "quarantine"))
    forked = bronze.where(F.col("source_file") == "cdr/fork-pbx/Master.csv").orderBy("leg_id").collect()
    assert [row.leg_id for row in forked] == FORK_IDS
    assert {(row.conference_id, row.access_type, row.account_id) for row in forked} == {
        ("7000", "dial_in", "acct-fork")
    }
    rejects = quarantine.where(F.col("source").startswith("telephony:")).collect()
    assert [(row.source, row.line_number, row.reason) for row in rejects] == [
        ("telephony:fork-pbx", 4, "duplicate leg_id")
    ]
    table = bronze.where(F.col("source_file") == "cdr/table-pbx/Master.csv").collect()
    assert len(table) == 4 and all(row.extra_keys == TABLE_EXTRAS for row in table)
    # The vendor columns are named in the warnings; their values never reach the lake.
    assert "telephony:table-pbx: unclassified columns dropped before silver" in caplog.text
    assert ", ".join(TABLE_EXTRAS) in caplog.text and "10.0.0.1" not in caplog.text
    assert b"a84b4c76e66710" not in every_byte_and_value(lake)

    assert main(["anonymize", *where, "--date", "2024-02-12"]) == 0
    silver = spark.read.format("delta").load(str(lake / "silver" / "cdr_legs"))
    cells = usage_by_time_of_day(silver, k=1).collect()
    by_hour = {row.local_hour: row for row in cells}
    assert sorted(by_hour) == [11, 12] and {row.region for row in cells} == {"us"}
    # The three legs of the fork count three, in one conference (the bridge number 7000).
    fork_cell = by_hour[12]
    assert (fork_cell.participant_legs, fork_cell.conferences, fork_cell.distinct_accounts) == (3, 1, 1)
    assert fork_cell.participant_minutes == 1 + 31 + 1  # 12 s, 1812 s, 12 s: per started minute
    assert by_hour[11].participant_legs == 4  # the table's 11:00, 11:20 and its two-leg fork at 11:05
