"""anonymize routes every bronze leg of a day: to silver (an adult's known account), out of
silver (a minor's account, policy point 6) or to quarantine as source `silver_cdr` (no such
account). The routing is read apart from the silver write (jobs/stages/anonymize.py caches
nothing), so both are checked here, and a re-run replaces the day's quarantine rows: a leg
whose account has arrived since leaves quarantine for silver."""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import functions as F

from jobs.commands.cli import main
from tests.landing_fixtures import account, leg, write_accounts, write_cdr

DAY = "2026-11-02"
START, END = f"{DAY}T10:00:00-05:00", f"{DAY}T10:20:00-05:00"
ADULT, MINOR = account("acct-adult"), account("acct-minor", birth_date="2010-05-01")


def _run(root: Path) -> None:
    where = [f"--{name}={root / name}" for name in ("landing", "lake", "exports")]
    for stage in ("ingest", "anonymize"):
        assert main([stage, *where, f"--date={DAY}"]) == 0, stage


def _silver_legs(spark, root: Path) -> int:
    return spark.read.format("delta").load(str(root / "lake" / "silver" / "cdr_legs")).count()


def _quarantined(spark, root: Path) -> list[tuple]:
    rows_df = spark.read.format("delta").load(str(root / "lake" / "bronze" / "quarantine"))
    rows = rows_df.where(F.col("source") == "silver_cdr").select("source_file", "line_number", "reason").collect()
    return sorted(tuple(row) for row in rows)


def test_anonymize_routes_minor_and_unknown_accounts_and_a_rerun_replaces_them(tmp_path, spark, hmac_key):
    landing = tmp_path / "landing"
    write_accounts(landing, [ADULT, MINOR])
    write_cdr(
        landing,
        DAY,
        [
            leg("leg-1", "acct-adult", START, END),
            leg("leg-2", "acct-minor", START, END),
            leg("leg-3", "acct-late", START, END),
        ],
    )
    _run(tmp_path)
    assert _silver_legs(spark, tmp_path) == 1  # the minor's leg is excluded, not quarantined
    assert _quarantined(spark, tmp_path) == [(f"cdr/date={DAY}/legs-000.jsonl", 3, "unknown account")]

    write_accounts(landing, [ADULT, MINOR, account("acct-late")])
    _run(tmp_path)
    assert _silver_legs(spark, tmp_path) == 2
    assert _quarantined(spark, tmp_path) == []
