"""Readable terminal tables for small, already-aggregated results."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table


def print_table(columns: Sequence[str], rows: Sequence[Sequence], title: str | None = None) -> None:
    table = Table(title=title, show_lines=False)
    for name in columns:
        table.add_column(name, justify="left")
    for row in rows:
        table.add_row(
            *("" if value is None else f"{value:,}" if isinstance(value, int) else str(value) for value in row)
        )
    # A pipe or CI log is not a terminal; do not squeeze the table to 80 columns.
    Console(width=max(Console().width, 160)).print(table)
