"""Parsed telephony CDRs mapped onto native CDR legs: E.164 numbers, no email or SIP URI
outside the name, and the native columns and types."""

from __future__ import annotations

import pytest

from jobs.lake.frames import local_frame
from tests.telephony_lines import LINES_SCHEMA, as_df, reasons, utc
from transforms.parse_cdr import CDR_FIELDS, parse_cdr_lines
from transforms.parse_telephony import telephony_to_legs
from transforms.quarantine import REASON


def test_emails_and_sip_uris_never_become_numbers_or_leave_the_name(spark, asterisk, freeswitch):
    ast, fs = asterisk["asterisk_sip_email.csv"], freeswitch["freeswitch_sip_email.csv"]
    assert [(ast[n].caller_name, ast[n].caller_number) for n in (1, 2, 3)] == [
        ("sip:alice@pbx.example.com", None),
        ("bob@example.com", None),
        ("Cleo Example", "+15550100063"),
    ]
    assert [(fs[n].caller_name, fs[n].caller_number) for n in (1, 2, 3)] == [
        ("sip:dana@pbx.example.com", None),
        ("erin@example.com", None),
        ('Finn "FX" Example', None),
    ]
    parsed_df = as_df(spark, [*ast.values(), *fs.values()])
    legs = telephony_to_legs(parsed_df, account_id="acct-sip", region="us", country="US").collect()
    assert len(legs) == 6
    for row in legs:
        outside_name = {k: v for k, v in row.asDict().items() if k not in ("participant_name", "value")}
        assert not any("@" in str(value) for value in outside_name.values()), outside_name
    assert sorted(row.caller_number for row in legs if row.caller_number) == ["+15550100063"]


def test_number_forms_normalize_to_e164_in_legs(spark, freeswitch):
    parsed_df = as_df(spark, freeswitch["freeswitch_number_forms.csv"].values())
    legs = telephony_to_legs(parsed_df, account_id="acct-9", region="us", country="US").collect()
    by_name = {row.participant_name: row for row in legs}
    assert {name: row.caller_number for name, row in by_name.items()} == {
        "Caller 1": "+15550101234",  # +1 555 010 1234
        "Caller 2": "+15550101234",  # 001 555 010 1234: 00 read as +
        "Caller 3": "+15550101234",  # (555) 010-1234
        "Caller 4": "+15550101234",  # 5550101234
        "Caller 5": None,  # extension 1901: no E.164 form
        "Caller 6": None,  # 0000000000: a placeholder
        "Caller 7": None,  # NULL
    }
    assert [by_name[f"Caller {n}"].access_number for n in (1, 2, 3, 4)] == ["+15550107000"] * 3 + [None]
    first = by_name["Caller 1"]
    constants = (first.account_id, first.access_type, first.region, first.country, first.product)
    assert constants == ("acct-9", "dial_in", "us", "US", "audio")
    assert first.conference_id == "+1 555 010 7000"  # the bridge number, as dialed
    assert (first.start_time, first.end_time, first.duration_s) == (
        utc("2024-03-05 14:00:00"),
        utc("2024-03-05 14:30:02"),
        1802,
    )
    unset = (first.participant_email, first.ip_address, first.recorded, first.mos, first.rating, first.notes)
    assert unset == (None,) * 6 and (first.extra_keys, first.reject_reason) == ([], None)


def test_legs_have_the_native_cdr_columns_and_types(spark, freeswitch):
    native_df = parse_cdr_lines(local_frame(spark, [("f", 1, '{"leg_id": "x"}')], LINES_SCHEMA))
    parsed_df = as_df(spark, freeswitch["freeswitch_basic.csv"].values())
    legs_df = telephony_to_legs(parsed_df, account_id="a", region="ie", country="IE")
    assert legs_df.columns == ["source_file", "line_number", "value", *CDR_FIELDS, "extra_keys", REASON]
    assert dict(legs_df.dtypes) == dict(native_df.dtypes)
    assert native_df.unionByName(legs_df).columns == native_df.columns
    # Accepted rows only, unless the caller wants the rejects (with their reasons) as well.
    everything = telephony_to_legs(parsed_df, account_id="a", region="ie", country="IE", keep_rejected=True)
    all_reasons = sorted(row.reject_reason or "" for row in everything.select("reject_reason").collect())
    assert all_reasons == sorted(r or "" for r in reasons(freeswitch["freeswitch_basic.csv"]).values())
    assert all_reasons.count("") == 2
    with pytest.raises(ValueError, match="region"):
        telephony_to_legs(parsed_df, account_id="a", region="mars", country="IE")
