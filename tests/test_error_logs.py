"""A Spark error never writes Tollgate's query plans (and the HMAC key pads in them) anywhere."""

from __future__ import annotations

import logging

import pytest
from pyspark.errors import AnalysisException
from pyspark.sql import functions as F

from transforms.pseudonymize import hmac_sha256

KEY = b"error-log-test-key-0123456789abcdef"
INNER_PAD = bytes(b ^ 0x36 for b in KEY.ljust(64, b"\x00")).hex().upper()


def test_an_analysis_error_over_a_keyed_hash_logs_nothing_of_its_plan(spark, capfd, caplog):
    caplog.set_level(logging.INFO)  # as the command line logs (Py4J at DEBUG echoes every literal)
    with pytest.raises(AnalysisException) as raised:
        spark.range(1).select(hmac_sha256(F.col("no_such_column"), KEY)).collect()
    assert INNER_PAD in str(raised.value).upper()  # the plan, key pads and all, is in the message
    out, err = capfd.readouterr()
    assert "no_such_column" not in out + err + caplog.text
    assert INNER_PAD not in (out + err + caplog.text).upper()
