import pytest

from jobs.lake.frames import local_frame
from transforms.risk import reidentification_risk


def test_risk_report_on_known_classes(spark):
    # Classes: (us, 30s) x 3, (us, 40s) x 1, (jp, None) x 2 -> sizes 3, 1, 2.
    rows = [("us", "30s")] * 3 + [("us", "40s")] + [("jp", None)] * 2
    df = local_frame(spark, rows, "region string, age_band string")
    got = reidentification_risk(df, ["region", "age_band"], k=2).first().asDict()
    assert got["rows"] == 6 and got["classes"] == 3 and got["min_class_size"] == 1
    assert got["max_prosecutor_risk"] == 1.0
    assert got["avg_prosecutor_risk"] == pytest.approx(3 / 6)
    assert got["share_rows_below_k"] == pytest.approx(1 / 6)


def test_risk_report_on_empty_input(spark):
    df = local_frame(spark, [], "region string")
    got = reidentification_risk(df, ["region"], k=5).first()
    assert got.rows == 0 and got.classes == 0 and got.max_prosecutor_risk is None
