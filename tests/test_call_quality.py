"""call_quality: MOS bands, the withheld small band and its smallest neighbour, and the
differencing attack against the published time-of-day cells (with its two controls)."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F

from jobs.lake.frames import local_frame
from tests.silver_rows import SILVER_SCHEMA, leg_rows, silver_cdr_df
from transforms.aggregates import (
    call_quality,
    mos_band,
    mos_band_cells,
    released_legs,
    suppress_small_cells,
    usage_by_time_of_day,
)
from transforms.contracts import CALL_QUALITY

GROUP = ["report_week", "region", "access_type"]


def _differencing_attack(tod_df, quality_df) -> dict[str, tuple[int, int]]:
    """Per access type: the published time-of-day legs and minutes minus the published bands."""
    tod = tod_df.groupBy(*GROUP).agg(
        F.sum("participant_legs").alias("t_legs"), F.sum("participant_minutes").alias("t_min")
    )
    bands = quality_df.groupBy(*GROUP).agg(
        F.sum("participant_legs").alias("b_legs"), F.sum("participant_minutes").alias("b_min")
    )
    joined = tod.join(bands, GROUP, "full")
    return {
        row.access_type: ((row.t_legs or 0) - (row.b_legs or 0), (row.t_min or 0) - (row.b_min or 0))
        for row in joined.collect()
    }


@pytest.mark.parametrize(
    ("mos", "band"),
    [
        (5.0, "very_satisfied"),
        (4.3, "very_satisfied"),
        (4.2, "satisfied"),
        (4.0, "satisfied"),
        (3.6, "some_dissatisfied"),
        (3.1, "many_dissatisfied"),
        (2.6, "nearly_all_dissatisfied"),
        (2.5, "not_recommended"),
        (1.0, "not_recommended"),
        (None, "unknown"),
    ],
)
def test_mos_bands(spark, mos, band):
    df = local_frame(spark, [(mos,)], "mos double")
    assert df.select(mos_band(F.col("mos"))).first()[0] == band


def test_call_quality_withholds_a_small_band_and_its_smallest_neighbour(spark):
    silver = silver_cdr_df(spark)
    quality = call_quality(released_legs(silver, usage_by_time_of_day(silver, k=10)), k=10)
    rows = sorted(
        (r.access_type, r.mos_band, r.participant_legs, r.participant_minutes, r.distinct_accounts)
        for r in quality.collect()
    )
    # app: "not_recommended" (2 accounts) is under k, so "some_dissatisfied" (11) goes with
    # it; the 03:00 legs were never released. web: one band of 10, nothing withheld.
    assert rows == [("app", "very_satisfied", 12, 120, 12), ("web", "satisfied", 10, 50, 10)]
    assert quality.columns == list(CALL_QUALITY.columns)


def test_differencing_attack_recovers_only_groups_of_k_accounts(spark):
    silver = silver_cdr_df(spark)
    tod = usage_by_time_of_day(silver, k=10)
    quality = call_quality(released_legs(silver, tod), k=10)
    # What subtraction finds in app is both withheld bands together: 11 + 2 = 13 accounts,
    # 11 + 4 legs, 11*20 + 4*30 minutes; never the 2-account band alone (4 legs, 120 min).
    assert _differencing_attack(tod, quality) == {"app": (15, 340), "web": (0, 0)}


def test_the_attack_works_without_the_withheld_neighbour(spark):
    # Control: released legs, but only the bands under k suppressed. The app total minus the
    # published bands is exactly the 2-account band. The test above can fail.
    silver = silver_cdr_df(spark)
    tod = usage_by_time_of_day(silver, k=10)
    plain = mos_band_cells(released_legs(silver, tod)).transform(suppress_small_cells, 10)
    assert _differencing_attack(tod, plain)["app"] == (4, 120)


def test_the_attack_works_against_bands_of_all_legs(spark):
    # Control: bands counted from every leg and suppressed on their own. The web band then
    # holds the suppressed 03:00 web cell, and the difference gives it back (2 legs, 50 min).
    silver = silver_cdr_df(spark)
    tod = usage_by_time_of_day(silver, k=10)
    independent = mos_band_cells(silver).transform(suppress_small_cells, 10)
    assert _differencing_attack(tod, independent)["web"] == (-2, -50)


def test_call_quality_all_small_none_small_and_empty(spark):
    few = local_frame(
        spark, leg_rows("few", 9, "sip", 4, 1, 5, 4.4) + leg_rows("low", 9, "sip", 3, 1, 5, 1.5), SILVER_SCHEMA
    )
    assert call_quality(few, k=10).count() == 0
    both = local_frame(
        spark, leg_rows("a", 9, "sip", 10, 1, 5, 4.4) + leg_rows("b", 9, "sip", 10, 1, 5, None), SILVER_SCHEMA
    )
    assert sorted(r.mos_band for r in call_quality(both, k=10).collect()) == ["unknown", "very_satisfied"]
    assert call_quality(local_frame(spark, [], SILVER_SCHEMA), k=10).count() == 0
