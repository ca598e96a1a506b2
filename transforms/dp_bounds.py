"""Contribution bounds for differentially private releases, with Spark built-ins only.

The privacy unit is the account: two inputs are neighbours when one holds every leg of one
account and the other holds none of them. The functions here turn silver legs into the
bounded cell table that the noise is calibrated to. Removing one account changes at most
`cells_per_account` cells of it (L0), and each of those by at most the account's per-cell
cap of each measure (Linf), because every cap and every choice below depends on that
account's own legs and a secret per-release seed, never on anyone else's rows.

Example:
    bounded_df = bounded_cells(silver_legs_df, weeks=[dt.date(2026, 11, 2)], regions=("us",),
                               bounds=ContributionBounds(4, 3, 2, 180, 120), seed_hex=seed)
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from transforms.contracts import USAGE_BY_TIME_OF_DAY, DatasetContract
from transforms.vocabulary import ACCESS_TYPES, PRODUCTS

GRAIN = USAGE_BY_TIME_OF_DAY.grain
# The published measures, in the order every DP table and manifest lists them.
MEASURES = ("conferences", "participant_legs", "participant_minutes", "distinct_accounts")
KEY_SEPARATOR = "|"

# A recipient may publish a coarser grain than gold's (jobs/config/dp.py, release.grain): fewer
# cells per account, so fewer legs dropped by the L0 bound, and more accounts per cell. Never
# without these two: a release window is whole weeks, and regions govern transfers (point 7).
REQUIRED_GRAIN = ("report_week", "region")


def dp_contract(grain: Sequence[str] = GRAIN) -> DatasetContract:
    """The DP dataset at `grain` (a subset of GRAIN, in its order), with the four measures."""
    if list(grain) != [name for name in GRAIN if name in grain] or len(set(grain)) != len(grain):
        raise ValueError(f"a DP grain lists columns of {', '.join(GRAIN)} once each, in that order")
    if not set(REQUIRED_GRAIN) <= set(grain):
        raise ValueError(f"a DP grain always holds {' and '.join(REQUIRED_GRAIN)}")
    return DatasetContract(
        name="usage_by_time_of_day_dp",
        grain=tuple(grain),
        columns={
            **{name: USAGE_BY_TIME_OF_DAY.columns[name] for name in grain},
            **dict.fromkeys(MEASURES, "bigint"),
        },
        domains={name: domain for name, domain in USAGE_BY_TIME_OF_DAY.domains.items() if name in grain},
        # Noisy counts are clamped at 0 (post-processing); no k floor: noise, not suppression,
        # protects these cells, and a noisy count under k is an ordinary published value.
        ranges={
            **{name: span for name, span in {"local_dow": (1, 7), "local_hour": (0, 23)}.items() if name in grain},
            **dict.fromkeys(MEASURES, (0, None)),
        },
        k_column=None,
    )


USAGE_BY_TIME_OF_DAY_DP = dp_contract(GRAIN)
DP_CONTRACTS = {contract.name: contract for contract in (USAGE_BY_TIME_OF_DAY_DP,)}


@dataclass(frozen=True)
class ContributionBounds:
    """How much one account may add to one release (the sensitivities follow from these)."""

    cells_per_account: int  # L0: the most cells one account's legs may reach
    legs_per_cell: int  # Linf of participant_legs
    conferences_per_cell: int  # Linf of conferences
    minutes_per_cell: int  # Linf of participant_minutes
    minutes_per_leg: int  # each leg's minutes are clamped to this before they are summed

    def __post_init__(self) -> None:
        if min(self.cells_per_account, self.legs_per_cell, self.conferences_per_cell) < 1:
            raise ValueError("contribution bounds must be at least 1")
        if min(self.minutes_per_cell, self.minutes_per_leg) < 1:
            raise ValueError("minute bounds must be at least 1")

    def per_cell_caps(self) -> dict[str, int]:
        """Linf per measure: an account counts once in distinct_accounts of a cell."""
        return {
            "conferences": self.conferences_per_cell,
            "participant_legs": self.legs_per_cell,
            "participant_minutes": self.minutes_per_cell,
            "distinct_accounts": 1,
        }


def cell_key(*grain_cols: Column) -> Column:
    """One string per cell of the grain; cell_key_of gives the same string in Python."""
    return F.concat_ws(KEY_SEPARATOR, *(col.cast("string") for col in grain_cols))


def cell_key_of(values: Sequence) -> str:
    """The cell key of a grain tuple (date, dow, hour, region, product, access type)."""
    return KEY_SEPARATOR.join(value.isoformat() if isinstance(value, dt.date) else str(value) for value in values)


def grid_axes(weeks: Iterable[dt.date], regions: Iterable[str], grain: Sequence[str] = GRAIN) -> list[list]:
    """The values each grain column takes on the public grid, in grain order."""
    axes = {
        "report_week": sorted(weeks),
        "local_dow": list(range(1, 8)),
        "local_hour": list(range(24)),
        "region": sorted(regions),
        "product": sorted(PRODUCTS),
        "access_type": sorted(ACCESS_TYPES),
    }
    return [axes[name] for name in grain]


def grid_cells(weeks: Iterable[dt.date], regions: Iterable[str], grain: Sequence[str] = GRAIN) -> list[tuple]:
    """Every cell of the public grid, in grain order: known before any data is read."""
    return list(itertools.product(*grid_axes(weeks, regions, grain)))


def grid_size(weeks: int, regions: int, grain: Sequence[str] = GRAIN) -> int:
    """How many cells the public grid of `weeks` weeks and `regions` regions has at `grain`."""
    sizes = {"report_week": weeks, "local_dow": 7, "local_hour": 24, "region": regions}
    sizes |= {"product": len(PRODUCTS), "access_type": len(ACCESS_TYPES)}
    return math.prod(sizes[name] for name in grain)


def legs_in_grid(
    legs_df: DataFrame, weeks: Sequence[dt.date], regions: Sequence[str], grain: Sequence[str] = GRAIN
) -> DataFrame:
    """The legs whose cell is on the release's grid (window weeks, recipient regions, known
    products and access types), each with its cell key at `grain`, computed once here and
    never again.

    Grain: one row per silver leg kept. A leg with no account has no privacy unit to bound it
    by, so it is left out; so is a leg whose cell the grid does not have.
    """
    is_on_grid = (
        F.col("report_week").isin(*weeks)
        & F.col("region").isin(*regions)
        & F.col("product").isin(*PRODUCTS)
        & F.col("access_type").isin(*ACCESS_TYPES)
        & F.col("local_dow").between(1, 7)
        & F.col("local_hour").between(0, 23)
        & F.col("account_pseudonym").isNotNull()
    )
    return legs_df.where(is_on_grid).select(
        "account_pseudonym",
        "conference_pseudonym",
        "participant_minutes",
        *grain,
        cell_key(*(F.col(name) for name in grain)).alias("cell_key"),
    )


def account_cells(keyed_legs_df: DataFrame, bounds: ContributionBounds, grain: Sequence[str] = GRAIN) -> DataFrame:
    """Grain: one row per (account, cell): the account's own legs, conferences and minutes
    in that cell, each capped; minutes per leg are clamped to [0, minutes_per_leg] first."""
    leg_minutes = F.least(
        F.greatest(F.coalesce(F.col("participant_minutes"), F.lit(0)), F.lit(0)), F.lit(bounds.minutes_per_leg)
    )
    return keyed_legs_df.groupBy("account_pseudonym", "cell_key", *grain).agg(
        F.least(F.count(F.lit(1)), F.lit(bounds.legs_per_cell)).cast("bigint").alias("participant_legs"),
        F.least(F.count_distinct("conference_pseudonym"), F.lit(bounds.conferences_per_cell))
        .cast("bigint")
        .alias("conferences"),
        F.least(F.sum(leg_minutes), F.lit(bounds.minutes_per_cell)).cast("bigint").alias("participant_minutes"),
        F.lit(1).cast("bigint").alias("distinct_accounts"),
    )


def top_cells_per_account(account_cells_df: DataFrame, cells_per_account: int, seed_hex: str) -> DataFrame:
    """At most `cells_per_account` rows per account, chosen by a keyed hash of the account and
    the cell under the release's secret seed.

    The order depends only on the account's own cells and the seed: not on other accounts,
    partitioning or row order (Spark's rand() depends on partitioning and is not
    cryptographic), and an attacker without the seed cannot predict which cells are kept.
    """
    if cells_per_account < 1:
        raise ValueError("cells_per_account must be at least 1")
    priority = F.sha2(F.concat_ws(KEY_SEPARATOR, F.lit(seed_hex), F.col("account_pseudonym"), F.col("cell_key")), 256)
    by_priority = Window.partitionBy("account_pseudonym").orderBy(priority, F.col("cell_key"))
    return (
        account_cells_df.withColumn("_rank", F.row_number().over(by_priority))
        .where(F.col("_rank") <= cells_per_account)
        .select(*account_cells_df.columns)
    )


def cell_totals(kept_account_cells_df: DataFrame, grain: Sequence[str] = GRAIN) -> DataFrame:
    """Grain: one row per cell that a kept account reaches: the sums of the capped measures."""
    return kept_account_cells_df.groupBy("cell_key", *grain).agg(
        *(F.sum(name).cast("bigint").alias(name) for name in MEASURES)
    )


def bounded_cells(
    legs_df: DataFrame,
    *,
    weeks: Sequence[dt.date],
    regions: Sequence[str],
    bounds: ContributionBounds,
    seed_hex: str,
    grain: Sequence[str] = GRAIN,
) -> DataFrame:
    """Silver legs -> the bounded, pre-noise cell table (grain: one row per reached cell of
    `grain`, with cell_key). Never published as it is: noise is added to it on the driver."""
    if not weeks or not regions:
        raise ValueError("a DP release needs at least one week and one region")
    grain = dp_contract(grain).grain
    return (
        legs_df.transform(legs_in_grid, list(weeks), list(regions), grain)
        .transform(account_cells, bounds, grain)
        .transform(top_cells_per_account, bounds.cells_per_account, seed_hex)
        .transform(cell_totals, grain)
    )
