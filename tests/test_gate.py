"""The privacy gate: GX suites over small tables, verdicts that never hold a value."""

from __future__ import annotations

import json
import logging

import great_expectations as gx
import pytest
from great_expectations.data_context.types.base import ProgressBarsConfig

from expectations.gate import NAME_HOLDS_PII, GateFailure, validate_table
from expectations.pii import ExpectColumnValuesToContainNoPii, is_pii_column_name
from jobs.commands import cli
from jobs.lake.frames import local_frame
from tests.gold_fixtures import USAGE_SCHEMA, usage_rows
from transforms.contracts import USAGE_BY_TIME_OF_DAY

PLANTED_EMAIL = "planted.person@example.org"
NO_PII_VALUES = "expect_column_values_to_contain_no_pii"
NO_PII_NAMES = "expect_table_columns_to_have_no_pii_names"
BETWEEN = "expect_column_values_to_be_between"
NOT_NULL = "expect_column_values_to_not_be_null"


@pytest.fixture()
def usage_df(spark):
    return local_frame(spark, usage_rows(), USAGE_SCHEMA)


def assert_no_value_leaks(result, *texts: str) -> None:
    for text in (json.dumps(result.to_dict()), repr(result), *texts):
        assert PLANTED_EMAIL not in text


def test_clean_usage_table_passes(usage_df):
    result = validate_table(usage_df, "usage_by_time_of_day", USAGE_BY_TIME_OF_DAY, k=10)
    assert result.success
    assert result.failures == ()
    assert result.expectations_run >= len(USAGE_BY_TIME_OF_DAY.columns) + 1


def test_email_column_fails_on_its_name_and_its_values(spark, caplog, capsys):
    df = local_frame(spark, [(PLANTED_EMAIL, 3), (None, 4)], "email string, legs int")
    with caplog.at_level(logging.DEBUG):
        result = validate_table(df, "adhoc")
    assert not result.success
    assert set(result.failures) == {
        GateFailure("email", NO_PII_NAMES),
        GateFailure("email", NO_PII_VALUES),
    }
    captured = capsys.readouterr()
    assert_no_value_leaks(result, caplog.text, captured.out, captured.err)


def test_email_inside_an_innocent_column_fails_naming_it(spark, caplog, capsys):
    rows = [("the call went fine",), (f"please write to {PLANTED_EMAIL} after",), (None,)]
    df = local_frame(spark, rows, "comment string")
    with caplog.at_level(logging.DEBUG):
        result = validate_table(df, "adhoc")
    assert result.failures == (GateFailure("comment", NO_PII_VALUES),)
    captured = capsys.readouterr()
    assert_no_value_leaks(result, caplog.text, captured.out, captured.err)
    assert "Calculating Metrics" not in captured.err  # no progress bars


@pytest.mark.parametrize(
    ("changes", "failure"),
    [
        ({"region": "mars"}, GateFailure("region", "expect_column_values_to_be_in_set")),
        ({"local_hour": 24}, GateFailure("local_hour", BETWEEN)),
        ({"distinct_accounts": 3}, GateFailure("distinct_accounts", BETWEEN)),
        ({"distinct_accounts": None}, GateFailure("distinct_accounts", NOT_NULL)),
    ],
)
def test_contract_violations_fail_for_the_right_reason(spark, changes, failure):
    df = local_frame(spark, usage_rows(**changes), USAGE_SCHEMA)
    result = validate_table(df, "usage_by_time_of_day", USAGE_BY_TIME_OF_DAY, k=10)
    assert result.failures == (failure,)


def test_extra_column_and_wrong_type_fail(usage_df):
    df = usage_df.withColumns({"browser": usage_df.region, "local_hour": usage_df.local_hour.cast("string")})
    result = validate_table(df, "usage_by_time_of_day", USAGE_BY_TIME_OF_DAY)
    assert set(result.failures) == {
        GateFailure(None, "expect_table_columns_to_match_set"),
        GateFailure("local_hour", "expect_column_values_to_be_of_type"),
    }


def test_a_column_named_by_a_pii_value_is_reported_by_position(spark):
    df = local_frame(spark, [(1, "fine")], f"n int, `{PLANTED_EMAIL}` string")
    result = validate_table(df, "adhoc")
    assert not result.success
    assert GateFailure("#2", NAME_HOLDS_PII) in result.failures
    assert {failure.column for failure in result.failures} == {"#2"}
    assert_no_value_leaks(result)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("email", True),
        ("participantEmail", True),
        ("Caller-Number", True),
        ("src_ip", True),
        ("first_name", True),
        ("password_hash", True),
        ("notes", True),
        ("user_agent", True),
        ("region", False),
        ("product_name", False),
        ("distinct_accounts", False),
        ("local_hour", False),
        ("browser_family", False),
    ],
)
def test_pii_column_names(name, expected):
    assert is_pii_column_name(name) is expected


def test_pii_expectation_reports_no_sample_even_when_asked_for_one(spark):
    # A caller asking GX for COMPLETE results still gets no value from this expectation.
    df = local_frame(spark, [(f"mail {PLANTED_EMAIL}",), ("clean",)], "comment string")
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_spark(name="complete", persist=False)
        .add_dataframe_asset(name="comments")
        .add_batch_definition_whole_dataframe(name="all")
    )
    expectation = ExpectColumnValuesToContainNoPii(column="comment")
    suite = context.suites.add(gx.ExpectationSuite(name="complete", expectations=[expectation]))
    definition = context.validation_definitions.add(gx.ValidationDefinition(name="complete", data=batch, suite=suite))
    result = definition.run(batch_parameters={"dataframe": df}, result_format="COMPLETE")
    assert not result.success
    assert result.results[0].result == {}
    assert PLANTED_EMAIL not in json.dumps(result.to_json_dict(), default=str)


def test_cli_gate_refuses_a_delta_table_with_a_planted_email(spark, tmp_path, monkeypatch, capsys, caplog):
    # Only the gate command: the test is about it, not about every stage importing.
    monkeypatch.setattr(cli, "COMMANDS", {"gate": "jobs.commands.gate"})
    table = tmp_path / "gold" / "comments"
    rows = [("all good",), (f"reach me at {PLANTED_EMAIL}",)]
    local_frame(spark, rows, "comment string").write.format("delta").save(str(table))
    with caplog.at_level(logging.INFO):
        exit_code = cli.main(["gate", "--table", str(table)])
    captured = capsys.readouterr()
    assert exit_code == 3
    assert f"column comment: {NO_PII_VALUES}" in captured.out
    for text in (captured.out, captured.err, caplog.text):
        assert PLANTED_EMAIL not in text


def test_cli_gate_unknown_dataset_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "COMMANDS", {"gate": "jobs.commands.gate"})
    assert cli.main(["gate", "--table", str(tmp_path), "--dataset", "no_such_dataset"]) == 2


def test_cli_gate_passes_a_conforming_parquet_table(spark, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "COMMANDS", {"gate": "jobs.commands.gate"})
    table = tmp_path / "usage"
    local_frame(spark, usage_rows(), USAGE_SCHEMA).write.parquet(str(table))
    assert cli.main(["gate", "--table", str(table), "--dataset", "usage_by_time_of_day"]) == 0
    assert "passed" in capsys.readouterr().out
