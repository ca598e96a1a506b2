"""DP recipients in the recipients file: the shipped example loads, every mistake is exit 2.

No Spark: configuration only.
"""

from __future__ import annotations

import copy
import math
import re

import pytest
import yaml

from jobs.config.dp import epsilon_at, rho_for_epsilon
from jobs.config.recipients import load_recipients
from jobs.errors import ConfigError
from jobs.lake.session import project_path
from transforms.dp_bounds import GRAIN

RECIPIENTS = project_path("conf", "recipients.yaml")
DP_RECIPIENT = {
    "name": "harbor",
    "kind": "research",
    "privacy": "dp",
    "datasets": ["usage_by_time_of_day_dp"],
    "dp": {
        "mechanism": "gaussian",
        "budget": {"epsilon": 4.0, "delta": 1e-7},
        "release": {"epsilon": 1.0, "window_weeks": 2},
        "bounds": {
            "cells_per_account": 4,
            "legs_per_cell": 3,
            "conferences_per_cell": 2,
            "minutes_per_cell": 180,
            "minutes_per_leg": 120,
        },
        "selection": {"mode": "public"},
    },
}


def _load(tmp_path, *entries: dict):
    path = tmp_path / "recipients.yaml"
    path.write_text(yaml.safe_dump({"recipients": list(entries)}))
    return load_recipients(path, k_floor=5)


def _with(**changes) -> dict:
    """DP_RECIPIENT with nested changes, given as dotted paths: _with(**{"dp.mechanism": "laplace"})."""
    entry = copy.deepcopy(DP_RECIPIENT)
    for dotted, value in changes.items():
        *parents, leaf = dotted.split(".")
        node = entry
        for key in parents:
            node = node[key]
        if value is None:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return entry


def test_the_demos_dp_recipient_is_valid_and_its_budget_fits_many_demo_runs():
    recipients = load_recipients(RECIPIENTS, k_floor=5)
    recipient = recipients["harbor-analytics"]
    settings = recipient.dp
    assert recipient.privacy == "dp" and settings.privacy_unit == "account"
    # Last: a refused DP release (budget spent) stops the export after the others are out.
    assert list(recipients)[-1] == "harbor-analytics"
    # epsilon 30 in zCDP holds 52 releases of epsilon 3, not 10 (the point of zCDP): `make demo`
    # can run about 50 times on one lake (README, "Differentially private releases").
    assert 50 < settings.budget.rho_total / settings.release_rho < 60
    assert settings.release.grain == ("report_week", "local_dow", "region", "product")


def test_the_recipients_file_still_loads():
    assert load_recipients(RECIPIENTS, k_floor=5)


def test_epsilon_and_rho_convert_both_ways():
    rho = rho_for_epsilon(1.0, 1e-7)
    assert epsilon_at(rho, 1e-7) == pytest.approx(1.0, rel=1e-6)
    # OpenDP's conversion is never looser than Bun and Steinke's rho + 2 sqrt(rho ln(1/delta)).
    assert epsilon_at(rho, 1e-7) <= rho + 2 * math.sqrt(rho * math.log(1e7))
    assert epsilon_at(0.0, 1e-7) == 0.0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"privacy": None}, "privacy: dp needs a dp: section"),
        ({"dp": None}, "privacy: dp needs a dp: section"),
        ({"datasets": ["usage_by_time_of_day_dp", "daily_usage"]}, "receives DP datasets only"),
        ({"k": 20}, "privacy: dp replaces k"),
        ({"kind": "subprocessor", "role": "analytics"}, "privacy: dp is for aggregates"),
        ({"dp.budget.rho": 0.5}, "give the budget as epsilon or as rho"),
        ({"dp.budget.epsilon": None}, "give the budget as epsilon or as rho"),
        ({"dp.release.rho": 0.01}, "give the per-release cost as epsilon or as rho"),
        ({"dp.release.epsilon": 5.0}, "one release costs more than the whole budget"),
        ({"dp.mechanism": "laplace", "dp.selection.mode": "private"}, "private selection needs mechanism: gaussian"),
        ({"dp.selection.mode": "private"}, "private selection needs selection.delta"),
        ({"dp.selection.mode": "private", "dp.selection.delta": 1e-9}, "exceeds budget.selection_delta"),
        ({"dp.selection.delta": 1e-9}, "apply to private selection only"),
        ({"dp.bounds.conferences_per_cell": 5}, "conferences_per_cell cannot exceed legs_per_cell"),
        ({"dp.bounds.minutes_per_leg": 500}, "minutes_per_leg cannot exceed minutes_per_cell"),
        ({"dp.bounds.cells_per_account": 0}, "dp.bounds.cells_per_account"),
        ({"dp.privacy_unit": "conference"}, "dp.privacy_unit"),
        ({"dp.noise": "numpy"}, "dp.noise"),
        ({"dp.budget.delta": 0.01}, "dp.budget.delta"),
        ({"dp.release.grain": ["report_week", "local_hour"]}, "always holds report_week and region"),
        ({"dp.release.grain": ["region", "report_week"]}, "once each, in that order"),
        ({"dp.release.grain": ["report_week", "region", "minute"]}, "once each, in that order"),
    ],
)
def test_dp_settings_mistakes_are_configuration_errors(tmp_path, changes, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        _load(tmp_path, _with(**changes))


def test_a_non_dp_recipient_cannot_receive_a_dp_dataset(tmp_path):
    entry = {"name": "plain", "kind": "research", "datasets": ["usage_by_time_of_day", "usage_by_time_of_day_dp"]}
    with pytest.raises(ConfigError, match="only a privacy: dp recipient gets it"):
        _load(tmp_path, entry)


def test_laplace_is_priced_in_pure_epsilon(tmp_path):
    settings = _load(tmp_path, _with(**{"dp.mechanism": "laplace"}))["harbor"].dp
    # Pure epsilon 1/4 per measure implies 1/32-zCDP each: 1/8 for the release.
    assert settings.release_rho == pytest.approx(1 / 8)
    with pytest.raises(ConfigError, match=re.escape("give release.epsilon, not rho")):
        _load(tmp_path, _with(**{"dp.mechanism": "laplace", "dp.release.epsilon": None, "dp.release.rho": 0.01}))


def test_a_coarser_grain_loads_in_grain_order(tmp_path):
    entry = _with(**{"dp.release.grain": ["report_week", "local_hour", "region"]})
    assert _load(tmp_path, entry)["harbor"].dp.release.grain == ("report_week", "local_hour", "region")
    assert _load(tmp_path, DP_RECIPIENT)["harbor"].dp.release.grain == GRAIN  # gold's, unless told


def test_private_selection_settings_load(tmp_path):
    entry = _with(**{"dp.selection.mode": "private", "dp.selection.delta": 1e-9, "dp.budget.selection_delta": 1e-8})
    assert _load(tmp_path, entry)["harbor"].dp.selection.delta == 1e-9


def test_tollgate_budget_shows_spent_and_remaining_without_a_lake_lock(tmp_path, monkeypatch, capsys):
    from decimal import Decimal

    from jobs.commands import budget, cli
    from jobs.release.budget import BudgetBalance

    path = tmp_path / "recipients.yaml"
    path.write_text(
        yaml.safe_dump(
            {"recipients": [DP_RECIPIENT, {"name": "plain", "kind": "research", "datasets": ["daily_usage"]}]}
        )
    )
    spent = BudgetBalance("harbor", Decimal("0.1"), Decimal(0), 3)
    monkeypatch.setattr(budget, "get_spark", lambda name: None)  # the ledger read is replaced below
    monkeypatch.setattr(budget, "read_balances", lambda spark, lake: {"harbor": spent})
    assert "budget" in cli.READ_ONLY_COMMANDS
    assert cli.main(["budget", "--recipients", str(path), "--lake", str(tmp_path / "lake")]) == 0
    shown = capsys.readouterr().out
    assert "harbor" in shown and "plain" not in shown
    assert "0.100000" in shown and "4.0000" in shown  # rho spent; the epsilon budget
    assert cli.main(["budget", "--recipients", str(path), "--recipient", "plain"]) == 2
