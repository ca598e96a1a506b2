"""The DP budget ledger (jobs/release/budget.py): charged before noise, refused past the budget,
and two releases started together cannot both pass when only one fits. Uses the spark fixture."""

from __future__ import annotations

import threading

import pytest
from pyspark.sql import functions as F

from jobs.errors import GateRefused
from jobs.lake.layout import Lake
from jobs.release.budget import BudgetCharge, cost_amount, read_balances, reserve_budget


def _charge(release_id: str, rho: float, recipient: str = "harbor", total: float = 1.0) -> BudgetCharge:
    return BudgetCharge(
        recipient=recipient,
        dataset="usage_by_time_of_day_dp",
        release_id=release_id,
        rho=rho,
        epsilon=2 * rho,  # recorded beside the cost, never compared
        delta=1e-7,
        selection_delta=0.0,
        rho_total=total,
        selection_delta_total=0.0,
    )


def _attempts(spark, lake: Lake, recipient: str = "harbor") -> list[tuple[str, str]]:
    rows = (
        spark.read.format("delta")
        .load(lake.dp_budget)
        .where((F.col("entry") == "attempt") & (F.col("recipient") == recipient))
        .orderBy("release_id")
        .collect()
    )
    return [(row.release_id, row.status) for row in rows]


def test_releases_are_charged_until_the_budget_refuses(spark, tmp_path):
    lake = Lake(tmp_path / "lake")
    assert read_balances(spark, lake) == {}
    first = reserve_budget(spark, lake, _charge("r1", 0.4))
    second = reserve_budget(spark, lake, _charge("r2", 0.4))
    assert (first.rho_spent, first.releases) == (cost_amount(0.4), 1)
    assert (second.rho_spent, second.releases) == (2 * cost_amount(0.4), 2)
    with pytest.raises(GateRefused, match="budget exhausted"):
        reserve_budget(spark, lake, _charge("r3", 0.4))
    balance = read_balances(spark, lake)["harbor"]
    assert (balance.rho_spent, balance.releases) == (2 * cost_amount(0.4), 2)
    assert _attempts(spark, lake) == [("r1", "reserved"), ("r2", "reserved"), ("r3", "refused")]
    refusal = spark.read.format("delta").load(lake.dp_budget).where(F.col("status") == "refused").first()
    assert refusal.reason.startswith("budget exhausted: needs rho 0.4")
    assert (refusal.epsilon_cost, refusal.recipient_delta) == (0.8, 1e-7)
    # What is left still takes a smaller release; another recipient has a budget of its own.
    assert reserve_budget(spark, lake, _charge("r4", 0.15)).releases == 3
    assert reserve_budget(spark, lake, _charge("r1", 0.9, recipient="other")).releases == 1


def test_a_first_release_over_the_whole_budget_is_refused(spark, tmp_path):
    lake = Lake(tmp_path / "lake")
    with pytest.raises(GateRefused):
        reserve_budget(spark, lake, _charge("big", 1.5))
    assert read_balances(spark, lake) == {}
    assert _attempts(spark, lake) == [("big", "refused")]


def test_a_lower_budget_in_the_settings_applies_to_the_next_release(spark, tmp_path):
    lake = Lake(tmp_path / "lake")
    reserve_budget(spark, lake, _charge("r1", 0.5))
    with pytest.raises(GateRefused):
        reserve_budget(spark, lake, _charge("r2", 0.3, total=0.6))


def _race(spark, lake: Lake, recipient: str, rho: float, total: float = 1.0, label: str = "") -> dict[str, str]:
    """Two reservations released by one barrier; each thread's outcome."""
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def release(release_id: str) -> None:
        barrier.wait()
        try:
            reserve_budget(spark, lake, _charge(release_id, rho, recipient=recipient, total=total))
            outcomes[release_id] = "reserved"
        except GateRefused:
            outcomes[release_id] = "refused"

    threads = [threading.Thread(target=release, args=(f"{recipient}{label}-{side}",)) for side in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return outcomes


def test_two_releases_started_together_cannot_both_pass(spark, tmp_path):
    lake = Lake(tmp_path / "lake")
    # A fresh ledger first (both create the table and the balance row).
    assert sorted(_race(spark, lake, "harbor", 0.6).values()) == ["refused", "reserved"]
    assert read_balances(spark, lake)["harbor"].rho_spent == cost_amount(0.6)
    # Then a few rounds on that existing balance: the threads overlap differently each time
    # (conflict and retry, or not). Each round the settings raise the budget by 0.4: one more
    # release of 0.4 fits, two do not.
    for index in range(3):
        outcomes = _race(spark, lake, "harbor", 0.4, total=1.2 + 0.4 * index, label=f"-{index}")
        assert sorted(outcomes.values()) == ["refused", "reserved"]
        balance = read_balances(spark, lake)["harbor"]
        assert (balance.rho_spent, balance.releases) == (cost_amount(0.6) + (index + 1) * cost_amount(0.4), index + 2)
