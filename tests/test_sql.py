"""`tollgate sql` without Spark: DuckDB over gold Delta tables read with delta-rs, and nothing else.

The lake is written with delta-rs too (no JVM): one gold table with the columns of
USAGE_BY_TIME_OF_DAY, and bronze and silver tables beside it that hold planted values. Every
way out of the gold views that could be thought of must fail with exit 2 (or, for a name that
simply does not exist, exit 1), and no output may ever show a planted value.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from deltalake import write_deltalake

from jobs.analysts.gold_sql import open_gold
from jobs.commands.cli import main
from jobs.lake.layout import Lake
from transforms.contracts import USAGE_BY_TIME_OF_DAY

PLANTED_EMAIL = "erin.planted@example.org"
PLANTED_PSEUDONYM = "silverpseudonym7f3a9c"
WEEK = dt.date(2026, 1, 5)
_ARROW_TYPES = {"date": pa.date32(), "int": pa.int32(), "bigint": pa.int64(), "string": pa.string()}
GOLD_ROWS = [
    # report_week, local_dow, local_hour, region, product, access_type, conferences, legs, minutes, accounts
    (WEEK, 1, 9, "eu", "meeting", "web", 12, 40, 600, 11),
    (WEEK, 1, 10, "eu", "meeting", "app", 10, 30, 450, 10),
    (WEEK, 2, 9, "us", "webinar", "dial_in", 20, 90, 1800, 15),
]


def tiny_lake(root: Path) -> Path:
    """gold/usage_by_time_of_day (3 rows), bronze/accounts and silver/cdr_legs (planted values)."""
    columns = USAGE_BY_TIME_OF_DAY.columns
    schema = pa.schema([(name, _ARROW_TYPES[kind]) for name, kind in columns.items()])
    gold = pa.Table.from_pylist([dict(zip(columns, row, strict=True)) for row in GOLD_ROWS], schema=schema)
    write_deltalake(str(root / "gold" / "usage_by_time_of_day"), gold)
    bronze = pa.table({"account_id": ["acct-0000001"], "email": [PLANTED_EMAIL]})
    write_deltalake(str(root / "bronze" / "accounts"), bronze)
    silver = pa.table({"account_pseudonym": [PLANTED_PSEUDONYM], "region": ["eu"]})
    write_deltalake(str(root / "silver" / "cdr_legs"), silver)
    return root


@pytest.fixture()
def lake(tmp_path) -> Path:
    return tiny_lake(tmp_path / "lake")


def _sql(lake: Path, query: str, *options: str) -> int:
    return main(["sql", "--lake", str(lake), *options, query])


def _shown(capsys, caplog) -> str:
    captured = capsys.readouterr()
    return captured.out + captured.err + caplog.text


def test_the_answer_comes_from_gold(lake, capsys):
    query = "SELECT region, SUM(participant_minutes) AS minutes FROM usage_by_time_of_day GROUP BY 1 ORDER BY 1"
    assert _sql(lake, query, "--format", "json") == 0
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == [
        {"region": "eu", "minutes": 1050},
        {"region": "us", "minutes": 1800},
    ]


def test_csv_table_and_limit(lake, capsys):
    assert _sql(lake, "SELECT report_week, local_hour FROM usage_by_time_of_day ORDER BY 2", "--format", "csv") == 0
    assert capsys.readouterr().out.splitlines() == [
        "report_week,local_hour",
        "2026-01-05,9",
        "2026-01-05,9",
        "2026-01-05,10",
    ]
    assert _sql(lake, "SELECT region, conferences FROM usage_by_time_of_day ORDER BY 2 DESC", "--limit", "1") == 0
    table = capsys.readouterr().out
    assert "region" in table and "us" in table and "eu" not in table


def test_a_with_query_and_the_latest_gold_version(lake, capsys):
    newer = pa.table({name: [value] for name, value in zip(USAGE_BY_TIME_OF_DAY.columns, GOLD_ROWS[0], strict=True)})
    newer = newer.cast(pa.schema([(n, _ARROW_TYPES[k]) for n, k in USAGE_BY_TIME_OF_DAY.columns.items()]))
    write_deltalake(str(lake / "gold" / "usage_by_time_of_day"), newer, mode="overwrite")
    query = "WITH cells AS (SELECT * FROM usage_by_time_of_day) SELECT COUNT(*) AS n FROM cells"
    assert _sql(lake, query, "--format", "csv") == 0
    assert capsys.readouterr().out.splitlines() == ["n", "1"]


def test_no_gold_is_a_usage_error(tmp_path, caplog):
    assert _sql(tmp_path / "empty", "SELECT 1") == 2
    assert "run `tollgate run` first" in caplog.text


# Each must fail with exit 2, before or while running, and show no planted value.
ESCAPES = [
    "SELECT * FROM read_parquet('{lake}/bronze/accounts/*.parquet')",
    "SELECT * FROM read_parquet('{parquet}')",
    "SELECT * FROM parquet_scan('{lake}/silver/cdr_legs/*.parquet')",
    "SELECT * FROM '{parquet}'",
    'SELECT * FROM "{parquet}"',
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM read_csv('{parquet}')",
    "SELECT * FROM read_text('{parquet}')",
    "SELECT * FROM read_blob('{parquet}')",
    "SELECT * FROM glob('{lake}/bronze/**')",
    "SELECT * FROM delta_scan('{lake}/bronze/accounts')",
    "SELECT * FROM sqlite_scan('{lake}/x.db', 'accounts')",
    "SELECT * FROM parquet_metadata('{parquet}')",
    "SELECT * FROM query('SELECT * FROM read_parquet(''{parquet}'')')",
    "WITH leak AS (SELECT * FROM read_parquet('{parquet}')) SELECT * FROM leak",
    "SELECT region FROM usage_by_time_of_day WHERE region IN (SELECT email FROM read_parquet('{parquet}'))",
    "SELECT * FROM usage_by_time_of_day, LATERAL (SELECT * FROM read_parquet('{parquet}'))",
    "SELECT * FROM 'https://example.com/accounts.csv'",
    "ATTACH '{lake}/other.duckdb' AS other",
    "COPY usage_by_time_of_day TO '{lake}/copied.csv'",
    "COPY (SELECT * FROM usage_by_time_of_day) TO '{lake}/copied.csv'",
    "EXPORT DATABASE '{lake}/copied'",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "RESET enable_external_access",
    "PRAGMA enable_external_access",
    "CREATE TABLE copied AS SELECT * FROM usage_by_time_of_day",
    "INSERT INTO usage_by_time_of_day SELECT * FROM usage_by_time_of_day",
    "DROP VIEW usage_by_time_of_day",
    "WITH cells AS (SELECT 1) INSERT INTO usage_by_time_of_day SELECT * FROM usage_by_time_of_day",
    "SELECT 1; SET enable_external_access = true; SELECT * FROM read_parquet('{parquet}')",
    "SELECT * FROM usage_by_time_of_day; SELECT * FROM read_parquet('{parquet}')",
    "SELECT 1; DROP VIEW usage_by_time_of_day",
    "EXPLAIN SELECT * FROM read_parquet('{parquet}')",
    "CALL pragma_version()",
    "DESCRIBE SELECT * FROM read_parquet('{parquet}')",
]


@pytest.mark.parametrize("template", ESCAPES)
def test_every_way_out_of_gold_is_refused(lake, template, capsys, caplog):
    parquet = next((lake / "bronze" / "accounts").glob("*.parquet"))
    query = template.format(lake=lake, parquet=parquet)
    assert _sql(lake, query, "--format", "csv") == 2
    shown = _shown(capsys, caplog)
    assert "configuration error" in shown
    assert PLANTED_EMAIL not in shown and PLANTED_PSEUDONYM not in shown
    assert not (lake / "copied.csv").exists() and not (lake / "copied").exists()
    assert not (lake / "other.duckdb").exists()


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM accounts",
        "SELECT * FROM cdr_legs",
        "SELECT getenv('HOME')",
        "SELECT email FROM usage_by_time_of_day",
    ],
)
def test_names_that_are_not_gold_do_not_resolve(lake, query, capsys, caplog):
    assert _sql(lake, query) == 1
    shown = _shown(capsys, caplog)
    assert "query failed" in shown and PLANTED_EMAIL not in shown and PLANTED_PSEUDONYM not in shown


def test_an_error_that_could_quote_a_value_is_named_by_type_only(lake, caplog):
    assert _sql(lake, "SELECT CAST(region AS INTEGER) FROM usage_by_time_of_day") == 1
    assert "ConversionException" in caplog.text and "'eu'" not in caplog.text


@pytest.mark.parametrize(
    "statement",
    [
        "ATTACH '{lake}/other.duckdb' AS other",
        "COPY usage_by_time_of_day TO '{lake}/copied.csv'",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        "INSTALL httpfs",
        "LOAD httpfs",
    ],
)
def test_the_engine_itself_is_locked_behind_the_statement_check(lake, statement):
    # A second wall: even a statement the check would have stopped cannot reach past gold.
    connection, names = open_gold(Lake(lake))
    assert names == ["usage_by_time_of_day"]
    with pytest.raises(duckdb.Error):
        connection.execute(statement.format(lake=lake))
    assert not (lake / "copied.csv").exists() and not (lake / "other.duckdb").exists()
