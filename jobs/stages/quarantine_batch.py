"""The rejected records of every source of one ingest, written to bronze/quarantine together.

One Delta transaction at the end of the ingest replaces what each source's files put in
quarantine before (`source = '<source>' AND <its days>`, the conditions joined by OR), instead
of one transaction per source: on small tables a commit's bookkeeping, not its rows, is what
costs (five sources: five commits -> one). A source's rejected rows are cached when it is
added, so they are not parsed again once that source's own cache is dropped; most sources
reject nothing, and those add their condition only.
"""

from __future__ import annotations

from functools import reduce

from pyspark.sql import DataFrame

from jobs.lake.layout import replace_partitions


class QuarantineBatch:
    def __init__(self, path: str):
        self.path = path
        self._rows: list[DataFrame] = []
        self._conditions: list[str] = []

    def add(self, rejected_df: DataFrame, condition: str, *, rejected: int) -> None:
        """`rejected_df` (`rejected` rows) replaces the quarantine rows matching `condition`."""
        if rejected:
            rejected_df = rejected_df.persist()
            rejected_df.count()  # read now, from the source's cache, before that cache goes
        else:
            rejected_df = rejected_df.limit(0)  # its schema only: the plan reads nothing
        self._rows.append(rejected_df)
        self._conditions.append(condition)

    def write(self) -> None:
        """One transaction for every source added; nothing to do when none was."""
        if not self._rows:
            return
        try:
            rows_df = reduce(DataFrame.unionByName, self._rows)
            replace_partitions(rows_df, self.path, " OR ".join(f"({c})" for c in self._conditions), ["source"])
        finally:
            for rows_df in self._rows:
                rows_df.unpersist()
            self._rows, self._conditions = [], []
