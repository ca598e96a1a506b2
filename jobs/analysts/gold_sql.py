"""Gold tables without Spark: delta-rs reads each one into Arrow, DuckDB answers SQL over them.

Gold tables are small aggregates; a JVM is not needed to read them. Gold only: each table is
a DuckDB view over its Arrow data, and before any query runs the engine is cut off from
everything else (`enable_external_access = false`: no file, path, glob, other database,
extension or network) and its configuration is locked, so no statement can turn that back on.
A query must be exactly one SELECT (or WITH ... SELECT) statement.

Example:
    connection, names = open_gold(Lake(Path("data/lake")))
    answer = run_query(connection, "SELECT region, SUM(participant_minutes) FROM daily_usage GROUP BY 1", limit=100)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
from deltalake import DeltaTable

from jobs.errors import ConfigError
from jobs.lake.layout import Lake

GOLD_ONLY = (
    "tollgate sql reads the gold tables by name and nothing else: files, paths, globs, other "
    "databases, extensions and settings are out of reach"
)
ONE_SELECT = "tollgate sql runs one read-only query: a single SELECT (or WITH ... SELECT) statement"
READ_ONLY = re.compile(r"^\s*(SELECT|WITH)\b", re.IGNORECASE)

# Fixed when the connection opens, before the lock: no extension is installed or loaded behind
# a query's back (delta_scan, httpfs, ...), and a Python variable is never read as a table
# (DuckDB's replacement scans would look one up by name).
_CONNECT_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "python_enable_replacements": False,
}
# Errors whose message comes from the query's text and the catalog (table and column names),
# never from a row: they are shown as DuckDB words them. Any other error is shown by type only.
_SHOWN_ERRORS = (duckdb.ParserException, duckdb.BinderException, duckdb.CatalogException)


class QueryError(Exception):
    """The query is allowed but does not run (bad SQL, unknown column): exit 1, as with Spark."""


@dataclass(frozen=True)
class Answer:
    columns: list[str]
    rows: list[tuple]


def gold_tables(lake: Lake) -> dict[str, Path]:
    """Every gold Delta table of the lake, by name (its folder's name), found without Spark."""
    return {folder.name: folder for folder in lake.gold_folders() if (folder / "_delta_log").is_dir()}


def open_gold(lake: Lake) -> tuple[duckdb.DuckDBPyConnection, list[str]]:
    """An in-memory DuckDB with one view per gold table, locked to them; and their names."""
    tables = gold_tables(lake)
    if not tables:
        raise ConfigError(f"no gold tables under {lake.gold_root}; run `tollgate run` first")
    connection = duckdb.connect(":memory:", config=_CONNECT_CONFIG)
    for name, folder in tables.items():
        # The current version, read whole: gold is aggregates (thousands of rows, not millions).
        connection.register(name, DeltaTable(str(folder)).to_pyarrow_table())
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")
    return connection, list(tables)


def check_read_only(query: str) -> None:
    """ConfigError unless the query is exactly one SELECT (DuckDB's own parser decides)."""
    if not READ_ONLY.match(query):
        raise ConfigError(f"{ONE_SELECT}: start with SELECT or WITH")
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as error:
        raise QueryError(_first_line(error)) from None
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise ConfigError(f"{ONE_SELECT}, no ';' and nothing else")


def run_query(connection: duckdb.DuckDBPyConnection, query: str, limit: int) -> Answer:
    """The first `limit` rows of a read-only query over the gold views.

    ConfigError (exit 2) for anything that is not one SELECT or that reaches past the gold
    views; QueryError (exit 1) for a query that is allowed but fails.
    """
    check_read_only(query)
    try:
        cursor = connection.execute(query)
        rows = cursor.fetchmany(limit)
    except duckdb.PermissionException:
        raise ConfigError(GOLD_ONLY) from None
    except duckdb.CatalogException as error:
        if "extension" in str(error):  # a function of an extension that is never loaded here
            raise ConfigError(GOLD_ONLY) from None
        raise QueryError(_first_line(error)) from None
    except _SHOWN_ERRORS as error:
        raise QueryError(_first_line(error)) from None
    except duckdb.Error as error:
        # Conversion and range errors can quote a value: name the error's kind only.
        raise QueryError(type(error).__name__) from None
    return Answer(columns=[column[0] for column in cursor.description], rows=rows)


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
