"""Telephony CDR parsers on bad input: the null row, empty input, malformed and randomly
mangled lines, and the real FreeSWITCH file, every record of it accounted for."""

from __future__ import annotations

import random

import pytest
from pyspark.sql import functions as F

from jobs.lake.frames import local_frame
from jobs.lake.landing import read_numbered_lines
from tests.telephony_lines import (
    DUBLIN,
    FIXTURES,
    LINES_SCHEMA,
    NY,
    OUTPUT_COLUMNS,
    REAL_FREESWITCH,
    inline_outcome,
    line_count,
    reasons,
)
from transforms.parse_telephony import parse_asterisk_lines, parse_freeswitch_lines


@pytest.mark.parametrize("parser", [parse_asterisk_lines, parse_freeswitch_lines])
def test_null_row_empty_input_and_malformed_rows(spark, parser):
    values = [None, "", "   ", "garbage", '"unterminated,"x', "\ufeff"]
    lines_df = local_frame(spark, [("f", i + 1, v) for i, v in enumerate(values)], LINES_SCHEMA)
    assert reasons(inline_outcome(parser(lines_df, NY), len(values))) == {
        1: "blank line",
        2: "blank line",
        3: "blank line",
        4: "wrong number of fields",
        5: "malformed quoting",
        6: "blank line",
    }
    empty_df = parser(local_frame(spark, [], LINES_SCHEMA), NY)
    assert empty_df.columns == OUTPUT_COLUMNS and empty_df.count() == 0
    with pytest.raises(ValueError, match="time zone"):
        parser(lines_df, "Mars/Olympus_Mons")


@pytest.mark.parametrize(
    "parser, name",
    [
        (parse_asterisk_lines, "asterisk_layouts.csv"),
        (parse_freeswitch_lines, "freeswitch_basic.csv"),
    ],
)
def test_mangled_lines_are_accepted_whole_or_rejected_with_a_reason(spark, parser, name):
    # Every accepted row has what a leg needs, however a good line was cut or re-quoted.
    good = (FIXTURES / name).read_text(encoding="utf-8").splitlines()[0]
    rng = random.Random(7)
    mangled = []
    for _ in range(300):
        chars, at = list(good), rng.randrange(len(good))
        edit = rng.choice(["drop", "quote", "comma", "cut", "bad"])
        if edit == "drop":
            del chars[at]
        elif edit == "cut":
            chars = chars[:at]
        else:
            chars.insert(at, {"quote": '"', "comma": ",", "bad": "\ufffd"}[edit])
        mangled.append("".join(chars))
    lines_df = local_frame(spark, [("f", i + 1, v) for i, v in enumerate(mangled)], LINES_SCHEMA)
    rows = inline_outcome(parser(lines_df, NY), len(mangled)).values()
    accepted = [row for row in rows if row.reject_reason is None]
    assert accepted and len(accepted) < len(mangled)
    needed = [(r.leg_id, r.start_time, r.end_time, r.destination_number, r.duration_s) for r in accepted]
    assert all(None not in values for values in needed)
    assert len({row.leg_id for row in accepted}) == len(accepted)


def test_real_freeswitch_file_every_record_accounted_for(spark):
    root = REAL_FREESWITCH.parent
    parsed_df = parse_freeswitch_lines(read_numbered_lines(spark, [REAL_FREESWITCH], root), DUBLIN)
    by_reason = parsed_df.groupBy("reject_reason").agg(F.count(F.lit(1)).alias("rows")).collect()
    counts = {row.reject_reason: row.rows for row in by_reason}
    assert counts == {None: 1782, "duplicate leg_id": 1634, "missing destination_number": 9}
    assert sum(counts.values()) == line_count(REAL_FREESWITCH) == 3425
    is_accepted = F.col("reject_reason").isNull()
    is_parseable = is_accepted | (F.col("reject_reason") == "duplicate leg_id")
    totals = parsed_df.select(
        F.count_if(is_accepted).alias("accepted"),
        F.count_distinct(F.when(is_parseable, F.col("leg_id"))).alias("parseable_ids"),
        F.count_distinct(F.when(is_accepted, F.col("leg_id"))).alias("accepted_ids"),
        F.count_if(is_accepted & F.col("answer_time").isNull()).alias("unanswered"),
    ).first()
    assert totals.accepted == totals.parseable_ids == totals.accepted_ids == 1782
    assert 0 < totals.unanswered < totals.accepted
