"""Parsers: typed output, the null row, the empty input and malformed rows, real files."""

import datetime as dt
import json

from pyspark.sql import functions as F

from jobs.lake.frames import local_frame
from jobs.lake.landing import read_numbered_lines
from jobs.lake.session import jvm_time_zone_ids, session_setting
from tests.landing_fixtures import leg, log_line
from tests.shared_data import SHARED_DATA
from transforms.parse_accounts import ACCOUNT_FIELDS, parse_account_lines
from transforms.parse_cdr import parse_cdr_lines, parse_cdr_records
from transforms.parse_usage import _GROUPS, _REQUEST, COMBINED_LOG, parse_combined_log
from transforms.quarantine import OFFSET_SUFFIX, has_utc_offset

LINES_SCHEMA = "source_file string, line_number bigint, value string"
START, END = "2026-11-03T09:00:00-05:00", "2026-11-03T09:10:00-05:00"


def _lines(spark, values):
    return local_frame(spark, [("f", i + 1, v) for i, v in enumerate(values)], LINES_SCHEMA)


def _reasons(df):
    return {row.line_number: row.reject_reason for row in df.select("line_number", "reject_reason").collect()}


def test_cdr_parser_types_fields_and_names_unknown_keys(spark):
    record = leg("l1", "a1", START, END, mos="4.5", rating=3, recorded="true", client_debug="kept out")
    got = parse_cdr_lines(_lines(spark, [json.dumps(record)])).first()
    assert got.reject_reason is None
    assert got.start_time == dt.datetime(2026, 11, 3, 14, 0)  # UTC session time zone
    assert (got.duration_s, got.mos, got.rating, got.recorded) == (600, 4.5, 3, True)
    assert got.extra_keys == ["client_debug"]
    assert "client_debug" not in parse_cdr_lines(_lines(spark, [json.dumps(record)])).columns


def test_cdr_parser_rejects_every_kind_of_bad_line_with_a_reason(spark):
    lines = [
        json.dumps(leg("ok", "a1", START, END)),
        "",
        '{"leg_id": "x", "account_id": ',
        "not json at all",
        "[1, 2, 3]",
        json.dumps(leg("NULL", "a1", START, END)),
        json.dumps(leg("l3", "a1", "2026-11-03T09:00:00", END)),
        json.dumps(leg("l4", "a1", END, START)),
        json.dumps(leg("l5", "a1", START, END, access_type="fax")),
        json.dumps(leg("l6", "a1", START, END, mos=9.1)),
        json.dumps(leg("l7", "a1", START, END, duration_s="ten")),
        json.dumps(leg("ok", "a1", START, END)),
        json.dumps(leg("l8", None, START, END)),
    ]
    assert _reasons(parse_cdr_lines(_lines(spark, lines))) == {
        1: None,
        2: "blank line",
        3: "malformed JSON",
        4: "not a JSON object",
        5: "not a JSON object",
        6: "missing leg_id",
        7: "invalid start_time",
        8: "end_time before start_time",
        9: "unknown access_type",
        10: "mos out of range",
        11: "invalid duration_s",
        12: "duplicate leg_id",
        13: "missing account_id",
    }


def test_a_rejected_first_copy_does_not_make_the_good_copy_a_duplicate(spark):
    lines = [json.dumps(leg("same", "a1", START, END, mos=9.9)), json.dumps(leg("same", "a1", START, END))]
    assert _reasons(parse_cdr_lines(_lines(spark, lines))) == {1: "mos out of range", 2: None}


def test_cdr_parser_keeps_the_last_of_a_repeated_key_nested_json_and_reasons_for_odd_shapes(spark):
    """What any faster parse must keep: a key written twice keeps its last value (the unknown
    spelling is named), a nested value under a known field is its JSON text, and `{}`, `null`,
    a blank line and a bare string get their reasons."""
    twice = json.dumps(leg("first", "a1", START, END))[:-1] + ', "leg_id": "last", "Leg_ID": "other case"}'
    nested = json.dumps(leg("n1", "a1", START, END, notes={"text": "hi", "n": [1, 2]}))
    lines = [twice, nested, "{}", "null", "   ", '"just a string"']
    got = {row.line_number: row for row in parse_cdr_lines(_lines(spark, lines)).collect()}
    assert (got[1].leg_id, got[1].reject_reason, got[1].extra_keys) == ("last", None, ["Leg_ID"])
    assert json.loads(got[2].notes) == {"text": "hi", "n": [1, 2]} and got[2].reject_reason is None
    assert [got[n].reject_reason for n in (3, 4, 5, 6)] == [
        "missing leg_id",
        "not a JSON object",
        "blank line",
        "not a JSON object",
    ]


def test_cdr_parser_parses_each_line_once_as_a_record(spark, tmp_path):
    """One from_json per line in the plan Spark runs on a file (two had cost a quarter of the
    parse at 1M legs: bench/RESULTS.md); json_object_keys reads the key names apart."""
    (tmp_path / "legs.jsonl").write_text("{}\n")
    lines_df = read_numbered_lines(spark, [tmp_path / "legs.jsonl"], tmp_path)
    with session_setting(spark, "spark.sql.debug.maxToStringFields", "1000"):  # every column named
        plan = parse_cdr_records(lines_df)._jdf.queryExecution().executedPlan().toString()
    assert plan.count("from_json(") == 1 and plan.count("jsonObjectKeys(") == 1  # (json_object_keys)


def test_cdr_parser_on_empty_input_gives_empty_output(spark):
    assert parse_cdr_lines(local_frame(spark, [], LINES_SCHEMA)).count() == 0


def test_combined_log_parser_types_fields(spark):
    agent = "Mozilla/5.0 (X11; Linux x86_64)"
    line = log_line("203.0.113.9", "03/Nov/2026:10:00:00 +0100", "/j/123?pwd=x", agent, status=304)
    got = parse_combined_log(_lines(spark, [line, None, "garbage"])).orderBy("line_number").collect()
    assert got[0].reject_reason is None
    assert (got[0].client_ip, got[0].url, got[0].status, got[0].user_agent) == (
        "203.0.113.9",
        "/j/123?pwd=x",
        304,
        agent,
    )
    assert got[0].request_time == dt.datetime(2026, 11, 3, 9, 0)
    assert got[1].reject_reason == "blank line"
    assert got[2].reject_reason == "not combined log format"


def test_real_apache_log_every_line_accounted_for(spark, tmp_path):
    source = SHARED_DATA / "access-logs" / "elastic" / "apache_logs"
    lines_df = read_numbered_lines(spark, [source], source.parent)
    parsed_df = parse_combined_log(lines_df)
    counts = parsed_df.agg(
        F.count(F.lit(1)).alias("read"),
        F.count_if(F.col("reject_reason").isNull()).alias("accepted"),
        F.max("line_number").alias("last_line"),
        F.count_distinct("line_number").alias("distinct_lines"),
    ).first()
    assert (counts.read, counts.last_line, counts.distinct_lines) == (10_000, 10_000, 10_000)
    # SOURCE.txt: exactly one line has a truncated user agent.
    rejected = parsed_df.where(F.col("reject_reason").isNotNull()).select("line_number", "reject_reason").collect()
    assert len(rejected) == 1 and counts.accepted == 9_999
    assert rejected[0].reject_reason == "not combined log format"
    first = source.read_text(encoding="utf-8", errors="replace").splitlines()[0]
    assert lines_df.where(F.col("line_number") == 1).first().value == first


def test_combined_log_parser_agrees_with_one_regexp_extract_per_field(spark):
    """The parser reads all fields from one regex match per line; on the real Apache log
    and on odd lines it gives exactly what one regexp_extract per field gives."""
    request_parts = ("method", "url", "protocol")
    source = SHARED_DATA / "access-logs" / "elastic" / "apache_logs"
    odd = [
        log_line("198.51.100.7", "03/Nov/2026:10:00:00 +0100", "/a b", "UA"),  # a request line of 4 words
        '1.2.3.4 - bob [03/Nov/2026:10:00:00 +0000] "" 400 - "-" "-"',  # empty request line
        '1.2.3.4 - - [03/Nov/2026:10:00:00 +0000] "GET /x" 200 1 "r\\"ef" "agent \\" q"',  # escaped quotes
        '1.2.3.4 - - [not a time] "GET / HTTP/1.0" 200 1 "-" "-"   ',
        "garbage",
        "",
        None,
    ]
    lines_df = read_numbered_lines(spark, [source], source.parent).unionByName(_lines(spark, odd))
    field = {name: F.regexp_extract("value", COMBINED_LOG, group) for name, group in _GROUPS.items()}
    request = field["request_line"]
    expected_df = lines_df.select(
        "source_file",
        "line_number",
        field["client_ip"].alias("client_ip"),
        F.nullif(field["remote_user"], F.lit("-")).alias("remote_user"),
        *(F.regexp_extract(request, _REQUEST, i).alias(name) for i, name in enumerate(request_parts, 1)),
        field["status_text"].try_cast("int").alias("status"),
        F.nullif(field["referer"], F.lit("-")).alias("referer"),
        F.nullif(field["user_agent"], F.lit("-")).alias("user_agent"),
        F.when(F.coalesce(F.trim("value"), F.lit("")) == "", "blank line")
        .when(~F.coalesce(F.col("value").rlike(COMBINED_LOG), F.lit(False)), "not combined log format")
        .when(F.try_to_timestamp(field["time_text"], F.lit("dd/MMM/yyyy:HH:mm:ss Z")).isNull(), "invalid time")
        .when(~request.rlike(_REQUEST), "invalid request line")
        .alias("reject_reason"),
    )
    got_df = parse_combined_log(lines_df).select(*expected_df.columns)
    assert got_df.count() == 10_007
    assert got_df.where(F.col("reject_reason").isNotNull()).count() == 7  # 1 real, 6 odd
    assert expected_df.exceptAll(got_df).count() == 0 and got_df.exceptAll(expected_df).count() == 0
    # A value with a line break in it (no text file gives one) is refused, never misread.
    broken = log_line("1.2.3.4", "03/Nov/2026:10:00:00 +0000", "/x", "line\nbreak")
    assert parse_combined_log(_lines(spark, [broken])).first().reject_reason == "not combined log format"


def test_account_time_zones_are_checked_against_the_jvms_ids(spark):
    zones = jvm_time_zone_ids(spark)  # what ingest passes: the same ids as iterating the JVM's set
    assert zones == set(spark.sparkContext._jvm.java.time.ZoneId.getAvailableZoneIds())
    header = ",".join(ACCOUNT_FIELDS)

    def line(account_id: str, timezone: str | None) -> str:
        values = {"account_id": account_id, "region": "us", "timezone": timezone or ""}
        return ",".join(values.get(name, "") for name in ACCOUNT_FIELDS)

    lines = [
        header,
        line("a-gmt", "Etc/GMT+5"),
        line("a-haiti", "America/Port-au-Prince"),
        line("a-mars", "Mars/Olympus"),
        line("a-quote", "UTC') OR ('1' = '1"),  # text, never SQL
        line("a-none", None),
    ]
    got = _reasons(parse_account_lines(_lines(spark, lines), zones))
    assert got == {2: None, 3: None, 4: "unknown timezone", 5: "unknown timezone", 6: "missing timezone"}


def test_offset_check_on_the_last_characters_agrees_with_the_whole_value(spark):
    # `$` also matches before a final line terminator: an offset followed by CRLF counts, as
    # it does when the regex reads the whole value.
    ends = ("Z", "+01:00", "-0130", "", "+1", "Z\n", "+01:00\r\n", "+0100\n", "x", "+01:00 ")
    stamps = ["2026-11-02T10:00:00" + end for end in ends] + ["Z", "+01:00", ""]
    df = local_frame(spark, [(stamp,) for stamp in stamps], "t string")
    checked, whole = has_utc_offset(F.col("t")).alias("checked"), F.col("t").rlike(OFFSET_SUFFIX).alias("whole")
    rows = df.select(checked, whole).collect()
    assert [row.checked for row in rows] == [row.whole for row in rows]
    assert sum(row.whole for row in rows) == 8
