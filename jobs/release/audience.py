"""What a recipient's kind allows: the rows a release is made of.

Research recipients get the gold tables as they are. A `sale` recipient gets aggregates
computed again, at export time, without the accounts that opted out of sale ("Do Not
Sell", policy point 2); an `advertising` recipient also without those that withdrew
marketing consent. The accounts' current privacy state is read when the release is made,
so an opt-in brings an account back in the very next release.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.config.keys import account_pseudonym
from jobs.errors import ConfigError
from jobs.lake.layout import PRIVACY_STATE, SILVER_CDR, Lake, delta_version, is_delta
from transforms.aggregates import daily_usage, released_legs, usage_by_time_of_day

# Recipient kind -> what excludes an account from its releases (a condition on privacy state).
EXCLUDED_BY_KIND = {
    "sale": lambda: F.col("do_not_sell"),
    "advertising": lambda: F.col("do_not_sell") | ~F.col("marketing_consent"),
}
# Datasets that can be rebuilt without some accounts (computed from silver legs).
_FROM_LEGS = ("usage_by_time_of_day", "daily_usage")


@dataclass(frozen=True)
class ReleaseSource:
    """The rows of one release, the Delta versions they were read at, and what was excluded."""

    rows_df: DataFrame
    delta_versions: dict[str, int]
    consent: dict


# Rows kept (legs without the excluded accounts), their time-of-day cells, accounts excluded.
Rebuilt = tuple[DataFrame, DataFrame, int]


class SharedSources:
    """What the releases of one export share: per (kind, k) and Delta versions, the
    time-of-day cells rebuilt without the excluded accounts and how many were excluded, so
    a sale recipient's two datasets (or two recipients of one kind) compute them once.
    The cells stay cached until `release()`."""

    def __init__(self) -> None:
        self._rebuilt: dict[tuple, Rebuilt] = {}

    def rebuilt(self, key: tuple, make: Callable[[], Rebuilt]) -> Rebuilt:
        if key not in self._rebuilt:
            kept_df, cells_df, excluded = make()
            self._rebuilt[key] = (kept_df, cells_df.persist(), excluded)
        return self._rebuilt[key]

    def release(self) -> None:
        for _, cells_df, _ in self._rebuilt.values():
            cells_df.unpersist()
        self._rebuilt.clear()


def release_source(
    spark: SparkSession,
    lake: Lake,
    kind: str,
    dataset: str,
    k: int,
    master_key: bytes | None,
    shared: SharedSources | None = None,
) -> ReleaseSource:
    """Gold as it is, or (for kinds in EXCLUDED_BY_KIND) the dataset rebuilt from silver
    without the excluded accounts, cells under `k` suppressed as in gold (computed once per
    `shared`, when given)."""
    if kind not in EXCLUDED_BY_KIND:
        version = delta_version(lake.gold(dataset))
        gold_df = spark.read.format("delta").option("versionAsOf", version).load(lake.gold(dataset))
        return ReleaseSource(gold_df, {f"gold/{dataset}": version}, {"accounts_excluded": 0, "rule": "none"})
    if dataset not in _FROM_LEGS:
        raise ConfigError(
            f"dataset {dataset} cannot yet be rebuilt without opted-out accounts; "
            f"a {kind} recipient may receive {', '.join(_FROM_LEGS)}"
        )
    if not master_key:
        raise ConfigError(f"a {kind} release needs the HMAC key (the opted-out accounts' pseudonyms)")
    if not is_delta(spark, lake.privacy_state):
        raise ConfigError("no account privacy state in the lake; run `tollgate ingest` first")
    silver_version = delta_version(lake.silver_cdr)
    state_version = delta_version(lake.privacy_state)

    def rebuild() -> Rebuilt:
        state_df = spark.read.format("delta").option("versionAsOf", state_version).load(lake.privacy_state)
        excluded_df = state_df.where(EXCLUDED_BY_KIND[kind]()).select(
            account_pseudonym(F.col("account_id"), master_key).alias("account_pseudonym")
        )
        legs_df = spark.read.format("delta").option("versionAsOf", silver_version).load(lake.silver_cdr)
        kept_df = legs_df.join(excluded_df, on="account_pseudonym", how="left_anti")
        excluded = (
            legs_df.join(excluded_df, on="account_pseudonym", how="left_semi")
            .select("account_pseudonym")
            .distinct()
            .count()
        )
        return kept_df, usage_by_time_of_day(kept_df, k), excluded

    key = (kind, k, silver_version, state_version)
    kept_df, cells_df, excluded = shared.rebuilt(key, rebuild) if shared is not None else rebuild()
    rows_df = cells_df if dataset == "usage_by_time_of_day" else daily_usage(released_legs(kept_df, cells_df))
    return ReleaseSource(
        rows_df,
        {SILVER_CDR: silver_version, PRIVACY_STATE: state_version},
        {
            "accounts_excluded": excluded,
            "rule": "do_not_sell" if kind == "sale" else "do_not_sell or no marketing consent",
        },
    )
