"""Contribution bounds in Spark (transforms/dp_bounds.py): what one account can change in the
bounded, pre-noise cell table is what the noise is calibrated to. Uses the spark fixture."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobs.lake.frames import local_frame
from transforms.dp_bounds import (
    GRAIN,
    MEASURES,
    ContributionBounds,
    account_cells,
    bounded_cells,
    legs_in_grid,
    top_cells_per_account,
)

WEEK = dt.date(2026, 11, 2)  # a Monday
WEEKS = [WEEK, WEEK + dt.timedelta(weeks=1)]
REGIONS = ("us", "eu")
LEGS_SCHEMA = (
    "report_week date, local_dow int, local_hour int, region string, product string, access_type string,"
    " conference_pseudonym string, account_pseudonym string, participant_minutes bigint"
)
BOUNDS = ContributionBounds(
    cells_per_account=3, legs_per_cell=2, conferences_per_cell=1, minutes_per_cell=90, minutes_per_leg=60
)
SEED = "5eed" * 16
ZERO = dict.fromkeys(MEASURES, 0)


def _leg(account, *, week=WEEK, dow=1, hour=9, region="us", product="meeting", access="app", conf="c", minutes=30):
    return (week, dow, hour, region, product, access, f"{account}-{conf}", account, minutes)


def _bounded(spark, rows, seed=SEED, partitions: int | None = None, grain=GRAIN) -> dict[str, dict[str, int]]:
    legs_df = local_frame(spark, rows, LEGS_SCHEMA)
    if partitions:
        legs_df = legs_df.repartition(partitions)
    cells_df = bounded_cells(legs_df, weeks=WEEKS, regions=REGIONS, bounds=BOUNDS, seed_hex=seed, grain=grain)
    return {row.cell_key: {name: row[name] for name in MEASURES} for row in cells_df.collect()}


def test_each_account_is_capped_in_each_cell(spark):
    heavy = [_leg("a1", conf=f"c{index % 3}", minutes=100) for index in range(5)]
    light = [_leg("a2", minutes=None), _leg("a3", minutes=-5)]
    assert _bounded(spark, heavy + light) == {
        "2026-11-02|1|9|us|meeting|app": {
            "conferences": 1 + 1 + 1,  # a1 held 3 conferences, capped at 1
            "participant_legs": 2 + 1 + 1,  # a1's 5 legs capped at 2
            "participant_minutes": 90 + 0 + 0,  # 5 legs clamped to 60 each, the sum capped at 90
            "distinct_accounts": 3,
        }
    }


def test_an_account_reaches_at_most_k_cells(spark):
    rows = [_leg("busy", hour=hour) for hour in range(12)] + [_leg("quiet", hour=0)]
    cells = _bounded(spark, rows)
    assert sum(values["distinct_accounts"] for values in cells.values()) == 3 + 1
    assert all(values["participant_legs"] <= 2 for values in cells.values())


def test_the_cells_kept_depend_on_the_account_and_the_seed_only(spark):
    busy = [_leg("busy", hour=hour, dow=dow) for hour in range(6) for dow in (1, 2)]
    others = [_leg(f"other-{index}", hour=index % 6) for index in range(40)]
    kept = account_cells(local_frame(spark, busy, LEGS_SCHEMA).transform(legs_in_grid, WEEKS, REGIONS), BOUNDS)
    alone = {row.cell_key for row in top_cells_per_account(kept, 3, SEED).collect()}
    everyone_df = (
        local_frame(spark, others + busy, LEGS_SCHEMA)
        .repartition(5)
        .transform(legs_in_grid, WEEKS, REGIONS)
        .transform(account_cells, BOUNDS)
    )
    among_others = {
        row.cell_key
        for row in top_cells_per_account(everyone_df, 3, SEED).where("account_pseudonym = 'busy'").collect()
    }
    assert len(alone) == 3
    assert among_others == alone
    # The same legs in another layout give the same table; another seed picks other cells.
    assert _bounded(spark, busy + others, partitions=3) == _bounded(spark, others + busy)
    picks = {frozenset(_bounded(spark, busy, seed=f"{index:064x}")) for index in range(6)}
    assert len(picks) > 1


def test_a_coarser_grain_caps_each_account_in_each_coarse_cell(spark):
    # Twelve hours of one day: twelve cells at gold's grain, one at (week, day, region).
    rows = [_leg("busy", hour=hour, conf=f"c{hour}", minutes=50) for hour in range(12)] + [_leg("quiet", hour=3)]
    assert _bounded(spark, rows, grain=("report_week", "local_dow", "region")) == {
        "2026-11-02|1|us": {
            "conferences": 1 + 1,  # busy held 12 conferences there, capped at 1
            "participant_legs": 2 + 1,
            "participant_minutes": 90 + 30,  # 12 x 50 minutes, capped at 90
            "distinct_accounts": 2,
        }
    }
    # At gold's grain the busy account reaches 3 of its 12 cells.
    assert sum(cell["distinct_accounts"] for cell in _bounded(spark, rows).values()) == 3 + 1


def test_legs_off_the_grid_are_left_out(spark):
    rows = [
        _leg("a", week=WEEK - dt.timedelta(weeks=1)),  # before the window
        _leg("a", region="jp"),  # a region the recipient does not receive
        _leg("a", product="fax"),  # not a known product
        _leg("a", hour=24),  # not an hour
        (WEEK, 1, 9, "us", "meeting", "app", "c", None, 30),  # no account: nothing to bound it by
    ]
    assert _bounded(spark, rows) == {}
    assert _bounded(spark, []) == {}


_LEG = st.tuples(
    st.sampled_from(WEEKS),
    st.integers(1, 2),  # day of week
    st.integers(0, 3),  # hour: few cells, so accounts overlap
    st.sampled_from(REGIONS),
    st.sampled_from(("meeting", "audio")),
    st.sampled_from(("app", "web")),
    st.integers(0, 4),  # conference of the account
    st.one_of(st.none(), st.integers(0, 400)),  # minutes, some over the per-leg clamp
)


def _rows(account: str, legs) -> list[tuple]:
    return [
        (week, dow, hour, region, product, access, f"{account}-c{conf}", account, minutes)
        for week, dow, hour, region, product, access, conf, minutes in legs
    ]


@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    light=st.lists(st.lists(_LEG, min_size=1, max_size=8), min_size=1, max_size=6),
    heavy=st.lists(st.lists(_LEG, min_size=20, max_size=60), min_size=1, max_size=2),
    removed=st.integers(0, 7),
)
def test_removing_one_account_changes_at_most_k_cells_each_by_at_most_the_caps(spark, light, heavy, removed):
    accounts = {f"light-{index}": legs for index, legs in enumerate(light)}
    accounts |= {f"heavy-{index}": legs for index, legs in enumerate(heavy)}
    gone = sorted(accounts)[removed % len(accounts)]
    everyone = [row for name, legs in accounts.items() for row in _rows(name, legs)]
    with_account = _bounded(spark, everyone)
    without = _bounded(spark, [row for row in everyone if row[7] != gone])
    caps = BOUNDS.per_cell_caps()
    changed = [key for key in with_account.keys() | without.keys() if with_account.get(key) != without.get(key)]
    assert len(changed) <= BOUNDS.cells_per_account
    for key in changed:
        before, after = with_account.get(key, ZERO), without.get(key, ZERO)
        for name in MEASURES:
            assert 0 <= before[name] - after[name] <= caps[name], (key, name)
