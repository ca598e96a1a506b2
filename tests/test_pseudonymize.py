import datetime as dt
import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyspark.sql import functions as F

from jobs.lake.frames import local_frame
from transforms.pseudonymize import derive_key, hmac_sha256

# RFC 4231 test cases whose data is text (1, 2, 6, 7), with the RFC's published digests.
RFC_4231 = [
    (b"\x0b" * 20, "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (b"Jefe", "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    (
        b"\xaa" * 131,
        "Test Using Larger Than Block-Size Key - Hash Key First",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ),
    (
        b"\xaa" * 131,
        "This is a test using a larger than block-size key and a larger than block-size data. "
        "The key needs to be hashed before being used by the HMAC algorithm.",
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    ),
]


@pytest.mark.parametrize(("key", "message", "expected"), RFC_4231)
def test_hmac_sha256_matches_rfc_4231(spark, key, message, expected):
    df = local_frame(spark, [(message,)], "message string")
    assert df.select(hmac_sha256(F.col("message"), key)).first()[0] == expected
    assert hmac.new(key, message.encode(), hashlib.sha256).hexdigest() == expected


def test_hmac_sha256_keeps_null_and_hashes_empty_string(spark):
    df = local_frame(spark, [(None,), ("",)], "message string")
    got = [row[0] for row in df.select(hmac_sha256(F.col("message"), b"k" * 16)).collect()]
    assert got == [None, hmac.new(b"k" * 16, b"", hashlib.sha256).hexdigest()]


def test_hmac_sha256_runs_without_python_udfs(spark):
    df = local_frame(spark, [("x",)], "message string").select(hmac_sha256(F.col("message"), b"k" * 16))
    plan = df._jdf.queryExecution().executedPlan().toString()
    assert "BatchEvalPython" not in plan and "ArrowEvalPython" not in plan
    assert "sha2" in plan


@settings(max_examples=5, deadline=None)
@given(
    key=st.binary(min_size=1, max_size=200),
    messages=st.lists(st.text(max_size=80), min_size=200, max_size=300),
)
def test_hmac_sha256_equals_python_hmac_on_generated_text(spark, key, messages):
    # 5 examples x 200-300 strings: more than 1,000 generated strings, unicode included,
    # in five Spark jobs instead of a thousand.
    df = local_frame(spark, [(m,) for m in messages], "message string")
    got = [row[0] for row in df.select(hmac_sha256(F.col("message"), key)).collect()]
    assert got == [hmac.new(key, m.encode("utf-8"), hashlib.sha256).hexdigest() for m in messages]


def test_derived_keys_differ_by_purpose_and_refuse_empty_key(spark):
    master = b"m" * 32
    assert derive_key(master, "recipient:a") != derive_key(master, "recipient:b")
    with pytest.raises(ValueError):
        hmac_sha256(F.col("x"), b"")


def test_same_person_same_pseudonym_whatever_the_source_format(spark):
    from transforms.pseudonymize import with_pseudonym

    key = b"normalisation-key-0123456789"
    emails = local_frame(
        spark, [(" Jane.Doe@Example.COM ",), ("jane.doe@example.com",), (None,)], "participant_email string"
    )
    got = [r[0] for r in with_pseudonym(emails, "participant_email", "p", key).collect()]
    assert got[0] == got[1] == hmac.new(key, b"jane.doe@example.com", hashlib.sha256).hexdigest()
    assert got[2] is None
    phones = local_frame(
        spark,
        [("+44 20 7946 0958",), ("00442079460958",), ("+442079460958",), ("020 7946 0958",)],
        "caller_number string",
    )
    got = [r[0] for r in with_pseudonym(phones, "caller_number", "p", key).collect()]
    assert got[0] == got[1] == got[2] == hmac.new(key, b"+442079460958", hashlib.sha256).hexdigest()
    # Without a country prefix the country is unknown: digits only, a different pseudonym.
    assert got[3] == hmac.new(key, b"02079460958", hashlib.sha256).hexdigest()


def test_every_key_purpose_is_unchanged():
    # Pseudonyms already in the lake were made under these purposes: a new one orphans them all.
    from jobs.config.keys import privacy_key, recipient_key, silver_key, visitor_key

    master = b"master-key-0123456789abcdef"

    def derived(purpose: bytes) -> bytes:
        return hmac.new(master, purpose, hashlib.sha256).digest()

    assert silver_key(master) == derived(b"silver:v1")
    assert visitor_key(master) == derived(b"visitor:v1")
    assert privacy_key(master) == derived(b"privacy:v1")
    assert recipient_key(master, "acme") == derived(b"recipient:acme")


def test_account_pseudonym_is_the_one_silver_holds(spark):
    from jobs.config.keys import account_pseudonym, silver_key
    from transforms.pseudonymize import with_pseudonym

    master = b"master-key-0123456789abcdef"
    df = local_frame(spark, [(" acct-1 ",), ("acct-1",), (None,)], "account_id string")
    silver = [r[0] for r in with_pseudonym(df, "account_id", "account_pseudonym", silver_key(master)).collect()]
    looked_up = [r[0] for r in df.select(account_pseudonym(F.col("account_id"), master)).collect()]
    expected = hmac.new(silver_key(master), b"acct-1", hashlib.sha256).hexdigest()
    assert silver == looked_up == [expected, expected, None]


USAGE_SCHEMA = (
    "landing_date date, client_ip string, remote_user string, request_time timestamp, method string, url string,"
    " protocol string, status int, bytes bigint, referer string, user_agent string"
)
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)


def _usage_df(spark):
    day, at = dt.date(2026, 11, 3), dt.datetime(2026, 11, 3, 9, 15, tzinfo=dt.UTC)
    return local_frame(
        spark,
        [
            (day, "203.0.113.9", None, at, "GET", "/j/8812345678?pwd=abc", "HTTP/1.1", 200, 512, None, CHROME),
            (day, "198.51.100.7", "jane", at, "PROP-FIND", "/u/Jane-Doe/profile", None, 404, None, "https://x", None),
        ],
        USAGE_SCHEMA,
    )


def test_web_silver_follows_the_shipped_usage_log_treatments(spark):
    from jobs.config.policy import load_policy
    from jobs.lake.session import project_path
    from transforms.silver_web import SILVER_WEB_COLUMNS, web_requests_silver

    treatments = load_policy(project_path("conf", "privacy-policy.yaml")).treatments("usage_log")
    silver_df = web_requests_silver(_usage_df(spark), b"s" * 32, b"v" * 32, treatments)
    assert tuple(silver_df.columns) == SILVER_WEB_COLUMNS
    day = dt.date(2026, 11, 3)
    visitor = hmac.new(b"v" * 32, b"2026-11-03|203.0.113.9", hashlib.sha256).hexdigest()
    first, second = sorted(silver_df.collect(), key=lambda row: row.status)
    assert tuple(first) == (day, day, 9, "GET", "/j/{id}", 200, 512, "Chrome", 120, "Windows", "desktop", visitor)
    assert tuple(second)[:10] == (day, day, 9, "OTHER", "/u/{id}/profile", 404, None, "Other", None, "Other")


def test_web_silver_leaves_out_what_the_policy_drops(spark):
    from transforms.silver_web import web_requests_silver

    treatments = {"client_ip": "drop", "remote_user": "pseudonymize", "request_time": "keep", "url": "keep"}
    treatments |= {"method": "drop", "protocol": "drop", "status": "drop", "bytes": "keep", "referer": "drop"}
    treatments["user_agent"] = "drop"
    silver_df = web_requests_silver(_usage_df(spark), b"s" * 32, b"v" * 32, treatments)
    assert silver_df.columns == [
        "landing_date",
        "remote_user_pseudonym",
        "request_date",
        "request_hour",
        "url",
        "bytes",
        "visitor_hash",
    ]
    users = sorted(silver_df.select("remote_user_pseudonym").collect(), key=lambda row: row[0] is None)
    assert [row[0] for row in users] == [hmac.new(b"s" * 32, b"jane", hashlib.sha256).hexdigest(), None]
