"""OpenDP noise on the driver: calibration, cost, and the noise's distribution. No Spark.

OpenDP's samplers cannot be seeded, so the statistical tests use many cells and tolerances
of several standard errors: with 20,000 draws the standard error of the mean of unit noise
is 0.007 and of its spread about 0.005 (0.008 for the Laplace's heavier tails); the bounds
below are 6 or more of them, so a failure means the noise is wrong, not unlucky.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics

import pytest

from jobs.config.dp import DpSettings
from jobs.release.dp_noise import SELECTION_MEASURE, add_noise, plan_noise
from transforms.dp_bounds import MEASURES, cell_key_of, grid_cells

CELLS = 20_000
BIG = 10**9  # far above any noise here, so clamping at 0 never touches the draws
SETTINGS = {
    "budget": {"epsilon": 10.0, "delta": 1e-7},
    "release": {"epsilon": 1.0, "window_weeks": 1},
    "bounds": {
        "cells_per_account": 8,
        "legs_per_cell": 4,
        "conferences_per_cell": 2,
        "minutes_per_cell": 240,
        "minutes_per_leg": 120,
    },
    "selection": {"mode": "public"},
}


def _settings(**changes) -> DpSettings:
    return DpSettings.model_validate({**SETTINGS, **changes})


def _standardized(plan, measure: str) -> list[float]:
    keys = [f"cell-{index}" for index in range(CELLS)]
    bounded = {key: dict.fromkeys(MEASURES, BIG + index) for index, key in enumerate(keys)}
    noisy = add_noise(plan, bounded, keys)
    scale = plan.noise(measure).scale
    return [(noisy[key][measure] - bounded[key][measure]) / scale for key in keys]


@pytest.mark.parametrize("measure", ["distinct_accounts", "participant_minutes"])
def test_gaussian_noise_is_centred_with_unit_spread_in_scales(measure):
    errors = _standardized(plan_noise(_settings()), measure)
    assert abs(statistics.fmean(errors)) < 0.05
    assert 0.95 < statistics.pstdev(errors) < 1.05
    # A Gaussian puts about 4.55% of its mass beyond 2 standard deviations (sd of the share: 0.0015).
    assert 0.035 < sum(abs(error) > 2 for error in errors) / CELLS < 0.056


def test_laplace_noise_is_centred_with_the_laplace_spread():
    errors = _standardized(plan_noise(_settings(mechanism="laplace")), "participant_legs")
    assert abs(statistics.fmean(errors)) < 0.05
    # A Laplace of scale b has standard deviation b * sqrt(2).
    assert 0.95 < statistics.pstdev(errors) / math.sqrt(2) < 1.05


def test_the_plan_prices_each_measure_by_its_sensitivity_and_stays_within_the_release():
    settings = _settings()
    plan = plan_noise(settings)
    assert plan.rho <= settings.release_rho
    assert plan.rho == pytest.approx(settings.release_rho, rel=1e-6)
    assert plan.epsilon_at_delta == pytest.approx(1.0, rel=1e-6)
    minutes = plan.noise("participant_minutes")
    assert (minutes.l0, minutes.linf, minutes.l1) == (8, 240, 8 * 240)
    assert minutes.l2 == pytest.approx(math.sqrt(8) * 240)
    # The discrete Gaussian's zCDP cost: L2^2 / (2 scale^2).
    assert minutes.rho == pytest.approx(minutes.l2**2 / (2 * minutes.scale**2), rel=1e-9)
    assert plan.noise("distinct_accounts").linf == 1
    assert (plan.threshold, plan.selection_delta) == (None, 0.0)


def test_laplace_plan_is_pure_epsilon_split_over_the_measures():
    plan = plan_noise(_settings(mechanism="laplace"))
    assert plan.pure_epsilon == pytest.approx(1.0)
    for noise in plan.measures:
        assert noise.epsilon == pytest.approx(noise.l1 / noise.scale)
        assert noise.rho == pytest.approx(noise.epsilon**2 / 2)
    assert plan.epsilon_at_delta <= 1.0 + 1e-9


def test_public_selection_publishes_every_grid_cell_and_nothing_negative():
    plan = plan_noise(_settings())
    keys = [cell_key_of(cell) for cell in grid_cells([dt.date(2026, 11, 2)], ["us"])]
    reached = {keys[5]: {"conferences": 3, "participant_legs": 7, "participant_minutes": 400, "distinct_accounts": 4}}
    noisy = add_noise(plan, reached, keys)
    assert list(noisy) == keys
    assert all(value >= 0 for values in noisy.values() for value in values.values())
    # Most untouched cells are noise around 0, clamped: about half of them exactly 0.
    zeros = sum(values["distinct_accounts"] == 0 for values in noisy.values()) / len(keys)
    assert 0.4 < zeros < 0.6


def test_a_bounded_cell_off_the_public_grid_is_refused():
    plan = plan_noise(_settings())
    with pytest.raises(ValueError, match="not on the public grid"):
        add_noise(plan, {"elsewhere": dict.fromkeys(MEASURES, 1)}, ["on-grid"])


def test_private_selection_keeps_big_cells_and_never_a_lone_account():
    settings = _settings(
        selection={"mode": "private", "delta": 1e-9},
        budget={"epsilon": 10.0, "delta": 1e-7, "selection_delta": 1e-7},
    )
    plan = plan_noise(settings)
    assert plan.threshold > 50  # K = 8 and epsilon 1: far above a lone account's count
    assert 0 < plan.selection_delta <= 1e-9
    lone = {f"lone-{index}": dict.fromkeys(MEASURES, 1) for index in range(2_000)}
    big = {f"big-{index}": dict.fromkeys(MEASURES, 100_000) for index in range(50)}
    noisy = add_noise(plan, {**lone, **big})
    assert sorted(noisy) == sorted(big)
    assert all(values[SELECTION_MEASURE] >= plan.threshold for values in noisy.values())
