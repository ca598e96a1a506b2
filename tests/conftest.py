"""One Spark session for the whole run; every table goes under tmp_path."""

from __future__ import annotations

import pytest

from jobs.lake.session import get_spark


@pytest.fixture(scope="session")
def spark():
    session = get_spark("tollgate-tests", {"spark.sql.shuffle.partitions": "2"})
    yield session
    session.stop()


@pytest.fixture()
def hmac_key(monkeypatch) -> bytes:
    key = "test-key-not-secret-0123456789abcdef"
    monkeypatch.setenv("TOLLGATE_HMAC_KEY", key)
    return key.encode()
