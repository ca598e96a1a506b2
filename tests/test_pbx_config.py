"""PBX layouts by configuration, and the time shapes they are read with: pure Python, no Spark.

The time patterns are Java regexes that Python's `re` reads the same way; here they are
checked on the texts PBXs, databases and spreadsheets write (the Spark side: test_pbx_times).
"""

from __future__ import annotations

import logging
import re

import pytest

from jobs.config.settings import load_settings
from jobs.errors import ConfigError
from jobs.stages.ingest_telephony import log_unknown_columns
from transforms.cdr_layouts import FREESWITCH_COLUMNS, PRESETS, missing_roles, resolve_layout
from transforms.pbx_times import DAY_MONTH, EPOCH, UNSET, YEAR_FIRST

SOURCE = "hmac_key_file: k\ntelephony:\n  pbx:\n    timezone: Europe/Dublin\n    account_id: a\n    region: ie\n"


def _settings(tmp_path, extra: str):
    path = tmp_path / "tollgate.yaml"
    path.write_text(SOURCE + "    country: IE\n" + extra)
    return load_settings(path).telephony["pbx"]


def test_presets_and_the_defaults_that_keep_old_configurations_valid():
    assert resolve_layout("asterisk") is PRESETS["asterisk"]["cdr_csv"]
    assert resolve_layout("freeswitch").columns == FREESWITCH_COLUMNS
    assert resolve_layout("asterisk", "cdr_csv").by_field_count
    assert resolve_layout("asterisk", "cdr_table").header and resolve_layout("asterisk", "freepbx_report").header
    sql = resolve_layout("freeswitch", "sql")
    assert sql.insert_statement and sql.columns == FREESWITCH_COLUMNS[:13]
    assert not resolve_layout("freeswitch", "example").trailing_empty


def test_a_layout_of_ones_own_by_header_or_columns():
    header = resolve_layout("freeswitch", header=True)
    assert (header.header, header.columns, header.trailing_empty) == (True, None, True)
    columns = resolve_layout("asterisk", columns=[" CallDate", "dst", "Duration ", "tenant"])
    assert columns.columns == ("calldate", "dst", "duration", "tenant") and not columns.header
    both = resolve_layout("asterisk", header=True, columns=["start", "dst", "end", "sequence"])
    assert both.header and both.columns[-1] == "sequence" and not both.by_field_count


@pytest.mark.parametrize(
    "family, preset, header, columns, message",
    [
        ("asterisk", "cdr_tabel", False, None, "unknown asterisk layout 'cdr_tabel'"),
        ("freeswitch", "cdr_csv", False, None, "unknown freeswitch layout"),
        ("asterisk", "cdr_csv", True, None, "not both"),
        ("asterisk", None, False, ["calldate", "dst"], "lack what a call record needs: duration or end"),
        ("freeswitch", None, False, ["start_stamp", "destination_number", "duration"], "uuid"),
        ("asterisk", None, False, ["calldate", "dst", "duration", "DST"], "distinct"),
        ("asterisk", None, False, ["calldate", "", "duration"], "non-empty"),
        ("kamailio", None, False, None, "unknown PBX format"),
    ],
)
def test_a_layout_that_cannot_make_a_leg_is_refused(family, preset, header, columns, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        resolve_layout(family, preset, header=header, columns=columns)


def test_missing_roles_name_what_is_missing():
    assert missing_roles("asterisk", ("start", "dst", "end")) == []
    assert missing_roles("asterisk", ("dst", "duration")) == ["start or calldate"]
    assert missing_roles("freeswitch", ("start_epoch", "destination_number", "end_epoch", "uuid")) == []


def test_settings_read_layouts_and_name_the_line_of_a_bad_one(tmp_path):
    assert _settings(tmp_path, "    format: asterisk\n").cdr_layout().name == "cdr_csv"
    table = _settings(tmp_path, "    format: asterisk\n    layout: cdr_table\n    day_first: true\n")
    assert (table.cdr_layout().name, table.day_first) == ("cdr_table", True)
    custom = _settings(
        tmp_path, "    format: freeswitch\n    columns: [uuid, start_epoch, end_epoch, destination_number]\n"
    )
    assert custom.cdr_layout().columns == ("uuid", "start_epoch", "end_epoch", "destination_number")
    with pytest.raises(ConfigError, match=r"telephony\.pbx\.layout \(line 9\): unknown asterisk layout"):
        _settings(tmp_path, "    format: asterisk\n    layout: freepbx\n")
    with pytest.raises(ConfigError, match=r"telephony\.pbx\.columns \(line 9\): .*start_stamp or start_epoch"):
        _settings(tmp_path, "    format: freeswitch\n    columns: [uuid, destination_number, duration]\n")
    with pytest.raises(ConfigError, match=r"telephony\.pbx\.header \(line 9\)"):
        _settings(tmp_path, "    format: asterisk\n    header: maybe\n")


@pytest.mark.parametrize(
    "text, groups",
    [
        ("2020-02-10 22:41:05", ("2020", "-", "02", "10", "22", "41", "05", None, None)),
        ("2020-02-10 22:41", ("2020", "-", "02", "10", "22", "41", None, None, None)),
        ("2020-02-10T22:41:05.250", ("2020", "-", "02", "10", "22", "41", "05", None, None)),
        ("2020/2/10 22:41", ("2020", "/", "2", "10", "22", "41", None, None, None)),
        ("2020-02-10 22:41:05+01", ("2020", "-", "02", "10", "22", "41", "05", None, "+01")),
        ("2020-02-10T22:41:05Z", ("2020", "-", "02", "10", "22", "41", "05", None, "Z")),
    ],
)
def test_year_first_times(text, groups):
    assert re.match(YEAR_FIRST, text).groups() == groups
    assert not re.match(DAY_MONTH, text) and not re.match(EPOCH, text)


@pytest.mark.parametrize(
    "text, groups",
    [
        ("10/02/2020 22:41", ("10", "/", "02", "2020", "22", "41", None, None)),
        ("13/04/2012 17:01:48", ("13", "/", "04", "2012", "17", "01", "48", None)),
        ("10.02.20 22:41:05", ("10", ".", "02", "20", "22", "41", "05", None)),
        ("2/10/2020 10:41 PM", ("2", "/", "10", "2020", "10", "41", None, "P")),
        ("2/10/2020, 10:41 a.m.", ("2", "/", "10", "2020", "10", "41", None, "a")),
    ],
)
def test_day_or_month_first_times(text, groups):
    assert re.match(DAY_MONTH, text).groups() == groups
    assert not re.match(YEAR_FIRST, text)


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-05 9",
        "2024-03-05",
        "2020-2/10 22:41",
        "10/02-2020 22:41",
        "2020-02-10 22:41:05+25",  # no such offset: a zone id Java would refuse
        "ten past ten",
        "",
        "12345678",
    ],
)
def test_texts_that_are_no_time(text):
    assert not any(re.match(pattern, text) for pattern in (YEAR_FIRST, DAY_MONTH, EPOCH))


def test_epoch_seconds_and_the_texts_for_never():
    assert all(re.match(EPOCH, text) for text in ("1581374465", "1581374465.123456", "946684800"))
    assert all(re.match(UNSET, text) for text in ("0", "0.000000", "0000-00-00 00:00:00", "0000-00-00"))
    assert not any(re.match(UNSET, text) for text in ("1581374465", "2020-02-10 22:41:05", "00:00"))


def test_unknown_columns_are_named_when_shaped_like_column_names(caplog):
    with caplog.at_level(logging.WARNING, logger="tollgate"):
        log_unknown_columns({"telephony:b": {"tenant", "did", "ann@example.com", "column_17"}, "telephony:a": set()})
    assert caplog.messages == [
        "telephony:b: unclassified columns dropped before silver (fail closed; bronze keeps their names): "
        "column_17, did, tenant; 1 more not shown (not shaped like column names)"
    ]
