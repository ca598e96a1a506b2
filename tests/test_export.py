"""Export: gated releases, the release ledger and the gate's Data Docs (CSV releases:
tests/test_csv_release.py)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from expectations.gate import GateFailure, validate_table
from jobs.config.policy import load_policy
from jobs.config.recipients import Recipient
from jobs.errors import GateRefused
from jobs.lake.frames import local_frame
from jobs.lake.layout import Lake, delta_version
from jobs.lake.session import project_path
from jobs.release.export import export_release
from jobs.release.ledger import gate_docs_dir, read_ledger
from jobs.release.verify import sha256_of, verify_release
from tests.gold_fixtures import USAGE_SCHEMA, usage_rows

DATASET = "usage_by_time_of_day"
PLANTED_EMAIL = "planted.export.person@leak-test.example"
BETWEEN = "expect_column_values_to_be_between"
IN_SET = "expect_column_values_to_be_in_set"
NO_PII = "expect_column_values_to_contain_no_pii"
NOT_NULL = "expect_column_values_to_not_be_null"


def make_lake(spark, root: Path, rows: list[tuple]) -> Lake:
    lake = Lake(root / "lake")
    local_frame(spark, rows, USAGE_SCHEMA).write.format("delta").save(lake.gold(DATASET))
    return lake


def recipient(file_format: str = "parquet") -> Recipient:
    return Recipient(name="acme-research", kind="research", datasets=(DATASET,), format=file_format)


@pytest.fixture(scope="module")
def policy():
    return load_policy(project_path("conf", "privacy-policy.yaml"))


@pytest.fixture(scope="module")
def published(spark, tmp_path_factory, policy):
    root = tmp_path_factory.mktemp("published")
    lake = make_lake(spark, root, usage_rows())
    release = export_release(spark, lake, root / "exports", recipient(), DATASET, policy)
    return lake, root / "exports", release


def ledger_rows(spark, lake: Lake) -> list[dict]:
    return [row.asDict(recursive=True) for row in read_ledger(spark, lake).collect()]


def every_text_under(folder: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file())


def test_published_release_verifies_and_has_a_published_ledger_row(spark, published):
    lake, _, release = published
    manifest = json.loads((release / "manifest.json").read_text())
    assert verify_release(release) == []
    assert ledger_rows(spark, lake) == [
        {
            "recipient": "acme-research",
            "recipient_kind": "research",
            "dataset": DATASET,
            "release_id": release.name,
            "status": "published",
            "created_at": dt.datetime.fromisoformat(manifest["created_at"]).astimezone().replace(tzinfo=None),
            "source_delta_versions": json.dumps({f"gold/{DATASET}": 0}),
            "row_count": 2,
            "manifest_sha256": sha256_of(release / "manifest.json"),
            "failures": [],
        }
    ]
    recorded = (release / "manifest.json.sha256").read_text().split()[0]
    assert recorded == sha256_of(release / "manifest.json")


def test_ledger_appends_are_delta_transactions(spark, published):
    lake, _, _ = published
    history = spark.sql(f"DESCRIBE HISTORY delta.`{lake.root / '_ledger' / 'releases'}`")
    assert [row.operation for row in history.collect()] == ["WRITE"]
    assert read_ledger(spark, lake).schema["failures"].dataType.simpleString() == (
        "array<struct<column:string,expectation:string>>"
    )


def test_the_version_a_manifest_records_is_the_newest_commit_past_a_checkpoint(spark, tmp_path):
    table = str(tmp_path / "table")
    spark.range(3).write.format("delta").save(table)
    spark.sql(f"ALTER TABLE delta.`{table}` SET TBLPROPERTIES ('delta.checkpointInterval' = '2')")
    for _ in range(2):
        spark.range(1).write.format("delta").mode("append").save(table)
    log_dir = tmp_path / "table" / "_delta_log"
    assert list(log_dir.glob("*.checkpoint.parquet")), "the log was checkpointed"
    [latest] = spark.sql(f"DESCRIBE HISTORY delta.`{table}`").select(F.max("version")).first()
    assert delta_version(table) == latest == 3
    (log_dir / f"{0:020d}.json").unlink()  # what log clean-up removes once a checkpoint covers it
    assert delta_version(table) == 3


@pytest.mark.parametrize(
    ("changes", "failures"),
    [
        ({"distinct_accounts": 3}, {GateFailure("distinct_accounts", BETWEEN)}),
        ({"distinct_accounts": None}, {GateFailure("distinct_accounts", NOT_NULL)}),
        ({"product": PLANTED_EMAIL}, {GateFailure("product", IN_SET), GateFailure("product", NO_PII)}),
    ],
)
def test_refused_release_leaves_no_folder_and_a_refused_ledger_row(spark, tmp_path, policy, changes, failures):
    lake = make_lake(spark, tmp_path, usage_rows(**changes))
    exports = tmp_path / "exports"
    with pytest.raises(GateRefused) as refusal:
        export_release(spark, lake, exports, recipient(), DATASET, policy)
    assert not (exports / "acme-research" / DATASET).exists()
    assert list((exports / ".staging").iterdir()) == []
    [row] = ledger_rows(spark, lake)
    assert (row["status"], row["row_count"], row["manifest_sha256"]) == ("refused", None, None)
    assert {GateFailure(**failure) for failure in row["failures"]} == failures
    docs = gate_docs_dir(lake, "acme-research", DATASET, row["release_id"])
    assert (docs / "index.html").is_file()
    for text in (repr(row), str(refusal.value), every_text_under(docs)):
        assert PLANTED_EMAIL not in text
    assert next(iter(failures)).column in every_text_under(docs)


def test_data_docs_land_beside_the_ledger_not_in_the_release(published):
    lake, exports, release = published
    docs = gate_docs_dir(lake, "acme-research", DATASET, release.name)
    assert (docs / "index.html").is_file()
    pages = list((docs / "validations").rglob("*.html"))
    assert len(pages) == 1 and "expect_column_values_to_contain_no_pii" in pages[0].read_text()
    assert not any(p.name == "index.html" for p in exports.rglob("*"))


def test_gate_data_docs_name_the_column_but_never_the_planted_email(spark, tmp_path):
    rows = [("the call went fine", 1), (f"write to {PLANTED_EMAIL} after", 2), (None, 3)]
    df = local_frame(spark, rows, "comment string, legs int")
    docs = tmp_path / "docs"
    result = validate_table(df, "adhoc.comments", docs_dir=docs)
    assert result.failures == (GateFailure("comment", NO_PII),)
    assert (docs / "index.html").is_file()
    text = every_text_under(docs)
    assert PLANTED_EMAIL not in text and "leak-test.example" not in text
    # The column is named on the pages themselves (the vendored libraries say "comment" too).
    pages = "".join(page.read_text(encoding="utf-8") for page in docs.rglob("*.html"))
    assert "comment" in pages


def test_a_column_named_by_a_pii_value_gets_withheld_docs(spark, tmp_path):
    df = local_frame(spark, [(1, "fine")], f"n int, `{PLANTED_EMAIL}` string")
    docs = tmp_path / "docs"
    result = validate_table(df, "adhoc.names", docs_dir=docs)
    assert not result.success
    text = every_text_under(docs)
    assert "withheld" in text and "#2" in text
    assert PLANTED_EMAIL not in text


def test_data_docs_folder_must_be_new(spark, tmp_path):
    (tmp_path / "old.html").write_text("an earlier run")
    with pytest.raises(ValueError, match="not empty"):
        validate_table(local_frame(spark, [(1,)], "n int"), "adhoc", docs_dir=tmp_path)


CARD_IN_DIGITS = "4539148803436467"  # Luhn-valid, looks like any long number
IPV6 = "2001:db8::8a2e:370:7334"


@pytest.mark.parametrize(
    ("changes", "extra_column", "expected"),
    [
        ({}, "comment", ("(table)", "expect_table_columns_to_match_set")),
        ({"product": "fax"}, None, ("product", IN_SET)),
        ({"distinct_accounts": 3}, None, ("distinct_accounts", BETWEEN)),
        ({"product": f"call {PLANTED_EMAIL}"}, None, ("product", NO_PII)),
        ({"access_type": CARD_IN_DIGITS}, None, ("access_type", NO_PII)),
        ({"access_type": IPV6}, None, ("access_type", NO_PII)),
    ],
)
def test_export_command_refuses_with_exit_3_for_the_right_reason(
    spark, tmp_path, capsys, changes, extra_column, expected
):
    from jobs.commands.cli import main

    rows_df = local_frame(spark, usage_rows(**changes), USAGE_SCHEMA)
    if extra_column:
        rows_df = rows_df.withColumn(extra_column, F.lit("fine"))
    lake = Lake(tmp_path / "lake")
    rows_df.write.format("delta").save(lake.gold(DATASET))
    recipients = tmp_path / "recipients.yaml"
    recipients.write_text(f"recipients:\n  - {{name: acme-research, kind: research, datasets: [{DATASET}]}}\n")
    code = main(
        ["export", "--lake", str(lake.root), "--exports", str(tmp_path / "exports"), "--recipients", str(recipients)]
    )
    assert code == 3
    assert not (tmp_path / "exports" / "acme-research").exists()
    [row] = ledger_rows(spark, lake)
    failures = {(f["column"] or "(table)", f["expectation"]) for f in row["failures"]}
    assert expected in failures
    printed = capsys.readouterr()
    for value in (PLANTED_EMAIL, CARD_IN_DIGITS, IPV6):
        assert value not in printed.out + printed.err + repr(row)


def test_one_ledger_holds_a_published_and_a_refused_release(spark, tmp_path, policy):
    lake = make_lake(spark, tmp_path, usage_rows())
    exports = tmp_path / "exports"
    export_release(spark, lake, exports, recipient(), DATASET, policy)
    local_frame(spark, usage_rows(distinct_accounts=2), USAGE_SCHEMA).write.format("delta").mode("overwrite").save(
        lake.gold(DATASET)
    )
    with pytest.raises(GateRefused):
        export_release(spark, lake, exports, recipient(), DATASET, policy)
    rows = ledger_rows(spark, lake)
    assert sorted(row["status"] for row in rows) == ["published", "refused"]
    published = next(row for row in rows if row["status"] == "published")
    assert (exports / "acme-research" / DATASET / published["release_id"]).is_dir()
    assert len(list((exports / "acme-research" / DATASET).iterdir())) == 1
