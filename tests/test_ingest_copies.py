"""Ingest's duplicate-leg check on its cached rows (jobs/stages/ingest_copies.py) against the
parser's window (flag_duplicates): the same reason for every line, and a rejected copy kept
whole, its raw line in quarantine."""

import datetime as dt
import hashlib
import hmac
import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pyspark.sql import functions as F

from jobs.config.keys import privacy_key
from jobs.lake.frames import local_frame
from jobs.lake.landing import read_numbered_lines
from jobs.lake.layout import Lake
from jobs.stages.ingest import ingest
from tests.landing_fixtures import leg
from transforms.parse_cdr import parse_cdr_lines

DAY = dt.date(2026, 11, 3)
START, END = "2026-11-03T09:00:00-05:00", "2026-11-03T09:10:00-05:00"
KEY = b"test-key-not-secret-0123456789abcdef"
# A leg id from a small pool (copies are likely), and whether the record is damaged (rejected).
RECORDS = st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.booleans()), min_size=1, max_size=8)


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(records=[("a", True), ("a", False), ("b", False), ("a", False), ("b", False), ("a", False)], split=3)
@given(records=RECORDS, split=st.integers(0, 8))
def test_ingest_rejects_exactly_the_copies_the_parser_rejects(spark, tmp_path_factory, records, split):
    landing = tmp_path_factory.mktemp("copies")
    lines = [json.dumps(leg(leg_id, "a1", START, END, mos=9.9 if damaged else 4.0)) for leg_id, damaged in records]
    folder = landing / "cdr" / f"date={DAY}"
    folder.mkdir(parents=True)
    files = [folder / "1.jsonl", folder / "2.jsonl"]  # a leg may come again in a later file
    for path, part in zip(files, (lines[:split], lines[split:]), strict=True):
        path.write_text("".join(line + "\n" for line in part))
    files = [path for path in files if path.stat().st_size]
    parsed_df = parse_cdr_lines(read_numbered_lines(spark, files, landing))
    expected = {(r.source_file, r.line_number): (r.reject_reason, r.value) for r in parsed_df.collect()}

    lake = Lake(landing / "lake")
    ingest(spark, landing, lake, [DAY], key=KEY)
    bronze = spark.read.format("delta").load(lake.bronze_cdr).select("source_file", "line_number")
    quarantine = spark.read.format("delta").load(lake.quarantine).where(F.col("source") == "cdr")
    got = {(r.source_file, r.line_number): (None, None) for r in bronze.collect()}
    got |= {(r.source_file, r.line_number): (r.reason, r.raw_record) for r in quarantine.collect()}

    accepted_expected = {row: (reason, None if reason is None else value) for row, (reason, value) in expected.items()}
    assert got == accepted_expected
    assert sum(reason == "duplicate leg_id" for reason, _ in got.values()) == len(
        [1 for (leg_id, damaged), seen in _firsts(records) if not damaged and seen]
    )


def _firsts(records):
    """Each record with whether an accepted record of its leg id came before it."""
    accepted = set()
    for leg_id, damaged in records:
        yield (leg_id, damaged), leg_id in accepted
        if not damaged:
            accepted.add(leg_id)


def test_a_copy_quoting_an_erased_address_only_in_its_raw_line_is_kept_out_not_quarantined(spark, tmp_path):
    """A copy's raw line is searched like any rejected line's: an erased account's address in a
    key no field reads must keep the line out of quarantine (counted as erased)."""
    first = leg("x1", "a1", START, END)
    lines = [first, {**first, "client_debug": "Gone.Person@Example.org"}, leg("x2", "a1", START, END)]
    folder = tmp_path / "cdr" / f"date={DAY}"
    folder.mkdir(parents=True)
    (folder / "1.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    lake = Lake(tmp_path / "lake")
    erased = hmac.new(privacy_key(KEY), b"gone.person@example.org", hashlib.sha256).hexdigest()
    local_frame(spark, [(erased,)], "identifier_hash string").write.format("delta").save(lake.suppression)

    report = ingest(spark, tmp_path, lake, [DAY], key=KEY)

    bronze = spark.read.format("delta").load(lake.bronze_cdr)
    assert sorted(row.line_number for row in bronze.collect()) == [1, 3]
    assert spark.read.format("delta").load(lake.quarantine).where(F.col("source") == "cdr").count() == 0
    [count] = [count for count in report.files if count.source == "cdr"]
    assert (count.read, count.accepted, count.quarantined, count.erased) == (3, 2, 0, 1)
