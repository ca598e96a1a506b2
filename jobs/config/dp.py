"""A recipient's differential privacy settings (`privacy: dp`), validated at start-up (exit 2).

Budgets are accounted in zero-concentrated DP (rho adds up across releases; Bun and Steinke
2016), and stated as (epsilon, delta) with OpenDP's own conversion. An epsilon budget is
turned into the largest rho whose epsilon at the recipient's delta does not exceed it.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Literal

import opendp.prelude as dp
from pydantic import BaseModel, ConfigDict, Field, model_validator

from transforms.dp_bounds import GRAIN, MEASURES, ContributionBounds, dp_contract

# OpenDP keeps mechanisms whose proofs are not yet part of its vetted core behind the
# "contrib" feature, and refuses to build them until the program opts in; its docs require
# this call before make_gaussian, the thresholds and the accounting conversions used here.
dp.enable_features("contrib")

MECHANISMS = {"gaussian": "discrete_gaussian", "laplace": "discrete_laplace"}


def epsilon_at(rho: float, delta: float) -> float:
    """The epsilon of rho-zCDP at `delta`, by OpenDP's conversion (make_zCDP_to_approxDP).

    The conversion is applied to a unit-scale Gaussian at input distance sqrt(2 rho), whose
    privacy map is exactly rho: the conversion depends on rho alone.
    """
    if rho <= 0:
        return 0.0
    return _unit_gaussian_as_approx_dp().map(math.sqrt(2 * rho)).epsilon(delta)


@lru_cache(maxsize=1)
def _unit_gaussian_as_approx_dp() -> dp.Measurement:
    unit = dp.m.make_gaussian(dp.atom_domain(T=float, nan=False), dp.absolute_distance(T=float), scale=1.0)
    return dp.c.make_zCDP_to_approxDP(unit)


@lru_cache(maxsize=64)
def rho_for_epsilon(epsilon: float, delta: float) -> float:
    """The largest rho whose epsilon at `delta` is at most `epsilon` (a binary search: cached)."""
    return dp.binary_search(lambda rho: epsilon_at(rho, delta) <= epsilon, bounds=(0.0, epsilon), T=float)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DpBudget(_Strict):
    """What all releases to the recipient may spend together, for as long as it receives data."""

    # Total epsilon over every release, stated at `delta`: the recipient's lifetime guarantee.
    epsilon: float | None = Field(default=None, gt=0, le=50)
    # ...or the total as zCDP rho directly (rho adds up release after release).
    rho: float | None = Field(default=None, gt=0)
    # The recipient's delta: the chance the epsilon statement fails. Far below 1 / accounts.
    delta: float = Field(gt=0, le=1e-4)
    # Private selection only: the delta all thresholded releases may spend together, on top
    # of `delta` (the threshold's own failure chance: a cell of few accounts slipping out).
    selection_delta: float = Field(default=0.0, ge=0, le=1e-4)

    @model_validator(mode="after")
    def _epsilon_or_rho(self) -> DpBudget:
        if (self.epsilon is None) == (self.rho is None):
            raise ValueError("give the budget as epsilon or as rho, not both")
        return self

    @property
    def rho_total(self) -> float:
        return self.rho if self.rho is not None else rho_for_epsilon(self.epsilon, self.delta)


class DpRelease(_Strict):
    """What one release spends, and what it covers."""

    # Per-release epsilon at the budget's delta (gaussian), or pure epsilon (laplace): split
    # evenly over the four measures. Smaller: more releases, more noise in each.
    epsilon: float | None = Field(default=None, gt=0, le=10)
    # ...or the per-release cost as zCDP rho (gaussian only).
    rho: float | None = Field(default=None, gt=0)
    # Report weeks one release covers, ending with the week of the release's last day. Every
    # account contributes to one release through at most `cells_per_account` cells, whatever
    # the window, so a wider window spreads the same bound thinner.
    window_weeks: int = Field(ge=1, le=53)
    # The published grain: gold's (week, day of week, hour, region, product, access type) or
    # coarser, the same columns in that order with some left out (report_week and region
    # always stay). Coarser cells hold more accounts and each account reaches fewer of them,
    # so the same epsilon and bounds give a smaller relative error; the noise per cell is the same.
    grain: tuple[str, ...] = GRAIN

    @model_validator(mode="after")
    def _epsilon_or_rho(self) -> DpRelease:
        if (self.epsilon is None) == (self.rho is None):
            raise ValueError("give the per-release cost as epsilon or as rho, not both")
        dp_contract(self.grain)  # a ValueError names what is wrong with the grain
        return self


class DpBounds(_Strict):
    """Contribution bounds per account and release: the sensitivities are derived from them."""

    # L0: the most cells one account may add to in a release. The noise on every measure grows
    # with its square root (gaussian) or itself (laplace); too small drops busy accounts' legs.
    cells_per_account: int = Field(ge=1, le=1000)
    # Linf of participant_legs: an account's legs counted in one cell, at most.
    legs_per_cell: int = Field(ge=1, le=10_000)
    # Linf of conferences: an account's distinct conferences counted in one cell, at most.
    conferences_per_cell: int = Field(ge=1, le=10_000)
    # Linf of participant_minutes: an account's minutes counted in one cell, at most.
    minutes_per_cell: int = Field(ge=1, le=1_000_000)
    # Each leg's minutes are clamped to this first, so one endless leg cannot fill the cap.
    minutes_per_leg: int = Field(ge=1, le=100_000)

    @model_validator(mode="after")
    def _consistent(self) -> DpBounds:
        if self.conferences_per_cell > self.legs_per_cell:
            raise ValueError("conferences_per_cell cannot exceed legs_per_cell (a conference needs a leg)")
        if self.minutes_per_leg > self.minutes_per_cell:
            raise ValueError("minutes_per_leg cannot exceed minutes_per_cell (the per-cell cap would clamp it)")
        return self

    def contribution_bounds(self) -> ContributionBounds:
        return ContributionBounds(
            cells_per_account=self.cells_per_account,
            legs_per_cell=self.legs_per_cell,
            conferences_per_cell=self.conferences_per_cell,
            minutes_per_cell=self.minutes_per_cell,
            minutes_per_leg=self.minutes_per_leg,
        )


class DpSelection(_Strict):
    """Which cells are published."""

    # public: every cell of the known grid (weeks x day x hour x region x product x access
    # type) is published, noisy, none withheld: no delta spent, many near-zero cells.
    # private: OpenDP's Gaussian threshold on distinct accounts decides which cells exist;
    # only cells far above the noise come out, at the price of `delta` per release.
    mode: Literal["public", "private"]
    # Private only: the chance, per release, that a cell reached by a single account's bounded
    # contribution passes the threshold. Sets the threshold (smaller: higher threshold).
    delta: float | None = Field(default=None, gt=0, le=1e-6)


class DpSettings(_Strict):
    """Everything a `privacy: dp` recipient's releases are made with."""

    # Whose presence the guarantee hides: every leg of one account (the conference host).
    privacy_unit: Literal["account"] = "account"
    # gaussian: discrete Gaussian, zCDP, tight composition. laplace: discrete Laplace, pure DP.
    mechanism: Literal["gaussian", "laplace"] = "gaussian"
    budget: DpBudget
    release: DpRelease
    bounds: DpBounds
    selection: DpSelection

    @model_validator(mode="after")
    def _consistent(self) -> DpSettings:
        if self.mechanism == "laplace" and self.release.rho is not None:
            raise ValueError("a laplace release is priced in pure epsilon: give release.epsilon, not rho")
        if self.mechanism == "laplace" and self.selection.mode == "private":
            # OpenDP's Laplace threshold is (epsilon, delta)-DP, which has no zCDP equivalent
            # for the ledger to add up; the Gaussian threshold is approximate zCDP.
            raise ValueError("private selection needs mechanism: gaussian")
        if self.selection.mode == "private":
            if self.selection.delta is None:
                raise ValueError("private selection needs selection.delta")
            if self.selection.delta > self.budget.selection_delta:
                raise ValueError("selection.delta exceeds budget.selection_delta: not even one release fits")
        elif self.selection.delta is not None or self.budget.selection_delta:
            raise ValueError("selection.delta and budget.selection_delta apply to private selection only")
        if self.release_rho > self.budget.rho_total:
            raise ValueError("one release costs more than the whole budget")
        return self

    @property
    def release_rho(self) -> float:
        """An upper bound of one release's rho (the ledger charges OpenDP's exact maps)."""
        if self.mechanism == "laplace":
            # Pure epsilon-DP implies (epsilon^2 / 2)-zCDP, per measure, at epsilon / 4 each.
            return len(MEASURES) * (self.release.epsilon / len(MEASURES)) ** 2 / 2
        if self.release.rho is not None:
            return self.release.rho
        return rho_for_epsilon(self.release.epsilon, self.budget.delta)
