"""The DP section of a release's manifest, and the recipient's check of it (`tollgate verify`).

The section states the guarantee so that a recipient can check it without trusting us:
the privacy unit and neighbouring relation, the window, the bounds and the sensitivities
derived from them, the mechanism and library version, each measure's noise scale and cost,
the selection rule, the release's rho, delta and epsilon at that delta, and the recipient's
cumulative spend after this release. `check_dp_manifest` is pure arithmetic over it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from jobs.config.dp import MECHANISMS, DpSettings, epsilon_at
from jobs.release.dp_noise import OPENDP_VERSION, SELECTION_MEASURE, NoisePlan
from transforms.dp_bounds import MEASURES, ContributionBounds, dp_contract, grid_size

if TYPE_CHECKING:  # the ledger's module loads Delta; `tollgate verify` needs none of it
    from jobs.release.budget import BudgetBalance

NEIGHBOURING = "add or remove one account: every leg it hosted in the release window"
POST_PROCESSING = "negative noisy values are set to 0; nothing else is changed"
SECTION_KEYS = (
    "privacy_unit",
    "neighbouring",
    "grain",
    "window",
    "bounds",
    "sensitivity",
    "mechanism",
    "library",
    "noise_scale",
    "measure_rho",
    "selection",
    "release",
    "budget",
    "post_processing",
)
_REL = 1e-6  # relative tolerance of recomputed floats (JSON round trips, OpenDP rounding up)


def dp_manifest_section(
    settings: DpSettings,
    plan: NoisePlan,
    *,
    weeks: Sequence[dt.date],
    regions: Sequence[str],
    cells_published: int,
    balance: BudgetBalance,
) -> dict:
    """The manifest's `privacy.dp`: what the release promises and what it cost."""
    rho_spent = float(balance.rho_spent)
    return {
        "privacy_unit": settings.privacy_unit,
        "neighbouring": NEIGHBOURING,
        "grain": list(settings.release.grain),
        "window": {
            "first_week": min(weeks).isoformat(),
            "last_week": max(weeks).isoformat(),
            "weeks": len(weeks),
            "regions": sorted(regions),
        },
        "bounds": settings.bounds.model_dump(),
        "sensitivity": {
            noise.measure: {"l0": noise.l0, "linf": noise.linf, "l1": noise.l1, "l2": noise.l2}
            for noise in plan.measures
        },
        "mechanism": MECHANISMS[plan.mechanism],
        "library": {"name": "opendp", "version": OPENDP_VERSION},
        "noise_scale": {noise.measure: noise.scale for noise in plan.measures},
        "measure_rho": {noise.measure: noise.rho for noise in plan.measures},
        "measure_epsilon": {noise.measure: noise.epsilon for noise in plan.measures}
        if plan.mechanism == "laplace"
        else None,
        "selection": {
            "mode": plan.selection,
            "measure": SELECTION_MEASURE if plan.selection == "private" else None,
            "threshold": plan.threshold,
            "delta": plan.selection_delta,
            "grid_cells": grid_size(len(weeks), len(regions), settings.release.grain)
            if plan.selection == "public"
            else None,
            "cells_published": cells_published,
        },
        "release": {
            "rho": plan.rho,
            "delta": plan.delta,
            "epsilon_at_delta": plan.epsilon_at_delta,
            # The release is (epsilon_at_delta, delta_total)-DP: the threshold's delta adds on.
            "delta_total": plan.delta + plan.selection_delta,
            "pure_epsilon": plan.pure_epsilon,
        },
        "budget": {
            "rho_total": settings.budget.rho_total,
            "epsilon_total": settings.budget.epsilon,
            "delta": settings.budget.delta,
            "selection_delta_total": settings.budget.selection_delta,
            "rho_spent_after": rho_spent,
            "selection_delta_spent_after": float(balance.selection_delta_spent),
            "epsilon_spent_after_at_delta": epsilon_at(rho_spent, settings.budget.delta),
            # All releases so far together: (epsilon_spent_after_at_delta, delta_total_after)-DP.
            "delta_total_after": settings.budget.delta + float(balance.selection_delta_spent),
            "releases_after": balance.releases,
        },
        "post_processing": POST_PROCESSING,
    }


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=_REL, abs_tol=1e-15)


def _zcdp_epsilon_bound(rho: float, delta: float) -> float:
    """Bun and Steinke's conversion, rho + 2 sqrt(rho ln(1/delta)): OpenDP's is never looser."""
    return rho + 2 * math.sqrt(rho * math.log(1 / delta))


def check_dp_manifest(section: dict, row_count: int | None = None) -> list[str]:
    """Every inconsistency of a manifest's `privacy.dp` section, as sentences; empty if none."""
    missing = [key for key in SECTION_KEYS if key not in section]
    if missing:
        return [f"privacy.dp: missing {', '.join(missing)}"]
    try:
        problems = _check_unit_and_mechanism(section) + _check_sensitivity(section) + _check_noise(section)
        problems += _check_selection(section, row_count) + _check_budget(section)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return [f"privacy.dp: malformed ({type(error).__name__}: {error})"]
    return [f"privacy.dp: {problem}" for problem in problems]


def _check_unit_and_mechanism(section: dict) -> list[str]:
    problems = []
    if section["privacy_unit"] != "account":
        problems.append("privacy_unit is not account")
    if section["mechanism"] not in MECHANISMS.values():
        problems.append(f"unknown mechanism {section['mechanism']!r}")
    if section["library"].get("name") != "opendp" or not section["library"].get("version"):
        problems.append("library is not opendp with a version")
    window = section["window"]
    first, last = dt.date.fromisoformat(window["first_week"]), dt.date.fromisoformat(window["last_week"])
    if first.isoweekday() != 1 or last.isoweekday() != 1 or (last - first).days != 7 * (window["weeks"] - 1):
        problems.append("window: first_week, last_week and weeks disagree (report weeks start on Mondays)")
    return problems


def _check_sensitivity(section: dict) -> list[str]:
    bounds = ContributionBounds(**section["bounds"])
    problems = (
        [] if bounds.minutes_per_leg <= bounds.minutes_per_cell else ["bounds: minutes_per_leg over the cell cap"]
    )
    for measure, cap in bounds.per_cell_caps().items():
        given = section["sensitivity"][measure]
        l0 = bounds.cells_per_account
        expected = {"l0": l0, "linf": cap, "l1": l0 * cap}
        if any(given[name] != value for name, value in expected.items()) or not _close(
            given["l2"], math.sqrt(l0) * cap
        ):
            problems.append(f"sensitivity of {measure} does not follow from the bounds")
    return problems


def _check_noise(section: dict) -> list[str]:
    problems = []
    is_laplace = section["mechanism"] == MECHANISMS["laplace"]
    for measure in MEASURES:
        scale, rho, sensitivity = (
            section["noise_scale"][measure],
            section["measure_rho"][measure],
            section["sensitivity"][measure],
        )
        if not scale > 0:
            problems.append(f"noise scale of {measure} is not positive")
            continue
        if is_laplace:
            epsilon = section["measure_epsilon"][measure]
            consistent = _close(epsilon, sensitivity["l1"] / scale) and _close(rho, epsilon**2 / 2)
        else:
            consistent = _close(rho, sensitivity["l2"] ** 2 / (2 * scale**2))
        if not consistent:
            problems.append(f"cost of {measure} does not follow from its scale and sensitivity")
    release = section["release"]
    if not _close(release["rho"], sum(section["measure_rho"][measure] for measure in MEASURES)):
        problems.append("release rho is not the sum of the measures' rho")
    epsilon = release["epsilon_at_delta"]
    if not 0 < epsilon <= _zcdp_epsilon_bound(release["rho"], release["delta"]) * (1 + _REL):
        problems.append("release epsilon_at_delta is not what its rho gives at its delta")
    if is_laplace and not _close(release["pure_epsilon"], sum(section["measure_epsilon"].values())):
        problems.append("release pure_epsilon is not the sum of the measures' epsilon")
    return problems


def _check_selection(section: dict, row_count: int | None) -> list[str]:
    selection, window = section["selection"], section["window"]
    problems = []
    if selection["mode"] == "public":
        grid = grid_size(window["weeks"], len(window["regions"]), dp_contract(section["grain"]).grain)
        if selection["threshold"] is not None or selection["delta"] != 0 or selection["grid_cells"] != grid:
            problems.append("public selection: no threshold, no delta, and the whole grid")
        if selection["cells_published"] != grid:
            problems.append("public selection publishes every grid cell")
    elif selection["mode"] == "private":
        if section["mechanism"] != MECHANISMS["gaussian"] or selection["measure"] != SELECTION_MEASURE:
            problems.append("private selection is a Gaussian threshold on distinct_accounts")
        if not (isinstance(selection["threshold"], int) and selection["threshold"] >= 1 and selection["delta"] > 0):
            problems.append("private selection needs a threshold of at least 1 and a positive delta")
    else:
        problems.append(f"unknown selection mode {selection['mode']!r}")
    if row_count is not None and row_count != selection["cells_published"]:
        problems.append(f"cells_published {selection['cells_published']} but the release has {row_count} rows")
    return problems


def _check_budget(section: dict) -> list[str]:
    budget, release, selection = section["budget"], section["release"], section["selection"]
    problems = []
    if release["delta"] != budget["delta"]:
        problems.append("release delta is not the budget's delta")
    if not _close(release["delta_total"], release["delta"] + selection["delta"]) or not _close(
        budget["delta_total_after"], budget["delta"] + budget["selection_delta_spent_after"]
    ):
        problems.append("a total delta is not the budget's delta plus the selection delta")
    if not release["rho"] * (1 - _REL) <= budget["rho_spent_after"] <= budget["rho_total"] * (1 + _REL):
        problems.append("rho spent after this release is below its cost or above the budget")
    spent_delta = budget["selection_delta_spent_after"]
    if not selection["delta"] * (1 - _REL) <= spent_delta <= budget["selection_delta_total"] * (1 + _REL):
        problems.append("selection delta spent is below this release's or above the budget")
    if not isinstance(budget["releases_after"], int) or budget["releases_after"] < 1:
        problems.append("releases_after is not a positive count")
    epsilon = budget["epsilon_spent_after_at_delta"]
    if not 0 < epsilon <= _zcdp_epsilon_bound(budget["rho_spent_after"], budget["delta"]) * (1 + _REL):
        problems.append("epsilon spent is not what the rho spent gives at the delta")
    if budget["epsilon_total"] is not None and epsilon > budget["epsilon_total"] * (1 + _REL):
        problems.append("epsilon spent exceeds the budget's epsilon")
    return problems
