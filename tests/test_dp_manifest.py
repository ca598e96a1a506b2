"""The DP section of a manifest: built from the plan and the ledger, checked by arithmetic. No Spark."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal

import pytest

from jobs.config.dp import DpSettings
from jobs.release.budget import BudgetBalance, cost_amount
from jobs.release.dp_manifest import check_dp_manifest, dp_manifest_section
from jobs.release.dp_noise import plan_noise

WEEKS = [dt.date(2026, 11, 2), dt.date(2026, 11, 9)]
REGIONS = ["us", "eu"]
GRID = 2 * 7 * 24 * 2 * 3 * 5
BASE = {
    "budget": {"epsilon": 10.0, "delta": 1e-7},
    "release": {"epsilon": 1.0, "window_weeks": 2},
    "bounds": {
        "cells_per_account": 8,
        "legs_per_cell": 4,
        "conferences_per_cell": 2,
        "minutes_per_cell": 240,
        "minutes_per_leg": 120,
    },
    "selection": {"mode": "public"},
}
PRIVATE = {
    **BASE,
    "budget": {"epsilon": 10.0, "delta": 1e-7, "selection_delta": 1e-8},
    "selection": {"mode": "private", "delta": 1e-9},
}


def _section(raw: dict, cells: int, releases: int = 1) -> dict:
    settings = DpSettings.model_validate(raw)
    plan = plan_noise(settings)
    balance = BudgetBalance(
        "harbor", cost_amount(plan.rho) * releases, cost_amount(plan.selection_delta) * releases, releases
    )
    section = dp_manifest_section(settings, plan, weeks=WEEKS, regions=REGIONS, cells_published=cells, balance=balance)
    return json.loads(json.dumps(section))  # as the recipient reads it from manifest.json


@pytest.mark.parametrize(
    ("raw", "cells"),
    [(BASE, GRID), ({**BASE, "mechanism": "laplace"}, GRID), (PRIVATE, 17)],
    ids=["gaussian-public", "laplace-public", "gaussian-private"],
)
def test_a_release_section_is_consistent(raw, cells):
    section = _section(raw, cells, releases=3)
    assert check_dp_manifest(section, row_count=cells) == []
    assert section["privacy_unit"] == "account"
    assert section["library"] == {"name": "opendp", "version": "0.16.0"}
    assert section["budget"]["releases_after"] == 3


def test_the_section_states_the_guarantee():
    section = _section(BASE, GRID)
    assert section["mechanism"] == "discrete_gaussian"
    assert section["sensitivity"]["participant_minutes"] == {
        "l0": 8,
        "linf": 240,
        "l1": 1920,
        "l2": pytest.approx(8**0.5 * 240),
    }
    assert section["window"] == {
        "first_week": "2026-11-02",
        "last_week": "2026-11-09",
        "weeks": 2,
        "regions": sorted(REGIONS),
    }
    assert section["release"]["epsilon_at_delta"] == pytest.approx(1.0, rel=1e-6)
    assert section["selection"]["grid_cells"] == GRID


def _tampered(path: str, value):
    section = _section(BASE, GRID)
    *parents, leaf = path.split(".")
    node = section
    for key in parents:
        node = node[key]
    node[leaf] = value
    return section


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("sensitivity.participant_legs.l0", 2, "sensitivity of participant_legs"),
        ("bounds.minutes_per_cell", 480, "sensitivity of participant_minutes"),
        ("noise_scale.participant_minutes", 10.0, "cost of participant_minutes"),
        ("release.rho", 0.001, "release rho is not the sum"),
        ("release.epsilon_at_delta", 0.0, "release epsilon_at_delta"),
        ("release.delta", 1e-5, "release delta is not the budget's delta"),
        ("budget.rho_spent_after", 99.0, "rho spent after this release"),
        ("budget.epsilon_spent_after_at_delta", 11.0, "epsilon spent"),
        ("budget.delta_total_after", 1e-3, "a total delta"),
        ("selection.cells_published", 12, "publishes every grid cell"),
        ("selection.threshold", 40, "public selection"),
        ("window.weeks", 3, "window"),
        ("privacy_unit", "conference", "privacy_unit"),
        ("mechanism", "gaussian_from_numpy", "unknown mechanism"),
        ("library.name", "homemade", "library is not opendp"),
        ("grain", ["report_week", "region"], "public selection"),  # another grain, another grid
        ("grain", ["region", "report_week"], "malformed"),
    ],
)
def test_an_inconsistent_section_is_reported(path, value, problem):
    problems = check_dp_manifest(_tampered(path, value))
    assert any(problem in text for text in problems), problems


def test_a_coarser_grain_publishes_a_smaller_grid_at_the_same_cost():
    coarse = {**BASE, "release": {**BASE["release"], "grain": ["report_week", "local_dow", "region", "product"]}}
    section = _section(coarse, 2 * 7 * 2 * 3)
    assert section["grain"] == ["report_week", "local_dow", "region", "product"]
    assert section["selection"]["grid_cells"] == 2 * 7 * 2 * 3
    assert check_dp_manifest(section, row_count=2 * 7 * 2 * 3) == []
    # The noise per cell depends on the bounds and epsilon only, not on the grain.
    assert section["noise_scale"] == _section(BASE, GRID)["noise_scale"]


def test_missing_fields_and_a_row_count_mismatch_are_reported():
    section = _section(BASE, GRID)
    assert check_dp_manifest(section, row_count=GRID - 1) == [
        f"privacy.dp: cells_published {GRID} but the release has {GRID - 1} rows"
    ]
    partial = copy.deepcopy(section)
    del partial["noise_scale"], partial["budget"]
    assert check_dp_manifest(partial) == ["privacy.dp: missing noise_scale, budget"]
    broken = copy.deepcopy(section)
    broken["sensitivity"] = {}
    assert check_dp_manifest(broken)[0].startswith("privacy.dp: malformed")


def test_the_spend_after_a_release_can_be_at_most_the_budget():
    section = _section(BASE, GRID, releases=67)
    assert check_dp_manifest(section) == []
    assert section["budget"]["epsilon_spent_after_at_delta"] <= 10.0
    over = _section(BASE, GRID, releases=68)
    assert any("above the budget" in text for text in check_dp_manifest(over))
    assert Decimal(str(over["budget"]["rho_spent_after"])) > Decimal(str(over["budget"]["rho_total"]))
