"""Finding a data subject's rows by keyed hash (ingest) and by value (erase, access):
identifier columns, free text, attribution, and the two agreeing."""

from __future__ import annotations

import hashlib
import hmac

from pyspark.sql import functions as F

from jobs.lake.frames import local_frame
from transforms.privacy import Suppression, subject_identifiers, subject_rows

KEY = b"privacy-match-test-key-0123456789"
EMAIL = "Ada.Lovelace@Example.org"


def _h(text: str) -> str:
    return hmac.new(KEY, text.encode(), hashlib.sha256).hexdigest()


def test_suppression_matches_identifiers_in_any_case_and_prefix_form_and_inside_urls(spark):
    usage_df = local_frame(
        spark,
        [
            (1, None, "/webinar/register/991?email=ada.lovelace%40EXAMPLE.org&x=1"),
            (2, "ADA_L", "/signin"),
            (3, None, "/signin?next=/ada.lovelace@example.orgs"),  # a longer word is another word
            (4, None, None),
            (5, None, "/feedback?text=please+resend+it+to+ada.lovelace%40example.org."),  # a sentence's full stop
        ],
        "line_number int, remote_user string, url string",
    )
    suppression = Suppression(KEY, (_h(EMAIL.lower()), _h("ada_l")))
    got = {
        row.line_number: row.hit
        for row in usage_df.select("line_number", suppression.mentions(usage_df, "usage").alias("hit")).collect()
    }
    assert got == {1: True, 2: True, 3: False, 4: False, 5: True}


def test_phone_numbers_match_with_plus_or_00_and_any_spacing(spark):
    legs_df = local_frame(
        spark,
        [(1, "+44 20 7946 0321"), (2, "0044-20-7946-0321"), (3, "+44 20 7946 0322"), (4, None)],
        "line_number int, caller_number string",
    )
    suppression = Suppression(KEY, (_h("442079460321"),))
    hits = [row.line_number for row in legs_df.where(suppression.mentions(legs_df, "cdr")).collect()]
    assert sorted(hits) == [1, 2]


def test_an_empty_suppression_list_matches_nothing_and_a_raw_line_is_searched_word_by_word(spark):
    raw_df = local_frame(
        spark,
        [(1, '{"leg_id": "x", "account_id": "acct-9", "notes": "'), (2, '{"account_id": "acct-90"}')],
        "line_number int, value string",
    )
    assert raw_df.where(Suppression(KEY).mentions(raw_df, "cdr", text_columns=("value",))).count() == 0
    suppression = Suppression(KEY, (_h("acct-9"),))
    hits = [
        row.line_number for row in raw_df.where(suppression.mentions(raw_df, "cdr", text_columns=("value",))).collect()
    ]
    assert hits == [1]


def test_a_long_suppression_list_is_one_set_lookup_per_identifier_and_still_matches(spark):
    """Hundreds of erased hashes cost a hash-set probe per identifier, not a comparison with
    each hash (the list grows with every erasure); the match itself is unchanged."""
    # Rows of a range, not local rows: the optimizer would evaluate a filter of those itself.
    legs_df = spark.range(1, 4).select(
        F.col("id").cast("int").alias("line_number"),
        F.concat(F.lit("acct-"), (F.col("id") + 6).cast("string")).alias("account_id"),  # acct-7 .. acct-9
        F.when(F.col("id") == 2, F.lit("+44 20 7946 0321")).alias("caller_number"),
    )
    many = tuple(_h(f"acct-{n}x") for n in range(500))
    suppression = Suppression(KEY, (*many[:250], _h("acct-7"), _h("442079460321"), *many[250:]))
    matched_df = legs_df.where(suppression.mentions(legs_df, "cdr"))
    plan = matched_df._jdf.queryExecution().optimizedPlan().toString()
    assert "INSET" in plan.upper() and "arrays_overlap" not in plan
    assert sorted(row.line_number for row in matched_df.collect()) == [1, 2]


def test_subject_rows_attributes_each_row_once_per_subject(spark):
    accounts_df = local_frame(
        spark,
        [("acct-1", EMAIL, "ada", "+1 202 555 0100"), ("acct-2", "bob@example.org", None, None)],
        "account_id string, email string, username string, phone string",
    )
    subjects_df = subject_identifiers(accounts_df, KEY)
    assert subjects_df.where("account_hash = '{}'".format(_h("acct-1"))).count() == 4  # id, email, username, phone
    legs_df = local_frame(
        spark,
        [
            ("f", 1, "acct-1", EMAIL.upper(), None, None),  # the account's own leg, matched twice
            ("f", 2, "acct-3", "bob@example.org", None, None),  # bob as a participant
            ("f", 3, "acct-3", None, "0012025550100", None),  # ada's phone, written with 00
            ("f", 4, "acct-3", None, None, "call me at BOB@example.org"),  # bob in the notes
            ("f", 5, "acct-3", None, None, None),
        ],
        "source_file string, line_number int, account_id string, participant_email string, caller_number string, "
        "notes string",
    )
    rows = subject_rows(legs_df, "cdr", subjects_df, ("source_file", "line_number")).collect()
    got = sorted((row.line_number, row.subject_hash) for row in rows)
    assert got == [(1, _h("acct-1")), (2, _h("acct-2")), (3, _h("acct-1")), (4, _h("acct-2"))]


# The keyed hashes of acct-1's identifiers in their normalized forms, computed here.
HASHES_OF_ADA = (_h("acct-1"), _h(EMAIL.lower()), _h("ada_l"), _h("442079460321"))


def test_a_match_by_value_finds_the_rows_the_suppression_list_finds_by_hash(spark):
    """Erase matches a subject's plaintext identifiers, ingest the suppression list's keyed
    hashes of them: both must find the same rows, or an erased account could come back."""
    accounts_df = local_frame(
        spark,
        [("acct-1", EMAIL, "Ada_L", "+44 20 7946 0321")],
        "account_id string, email string, username string, phone string",
    )
    subjects_df = subject_identifiers(accounts_df, KEY)
    usage_df = local_frame(
        spark,
        [
            ("f", 1, None, "/webinar/register/991?email=ada.lovelace%40EXAMPLE.org&x=1"),
            ("f", 2, " ada_l ", "/signin"),
            ("f", 3, None, "/signin?next=/ada.lovelace@example.orgs"),
            ("f", 4, None, None),
            ("f", 5, None, "/feedback?text=call+442079460321.+or+acct-1"),
            ("f", 6, "bob", "/ACCT-1/profile"),
            ("f", 7, "ada", "/+44 20 7946 0321"),
        ],
        "source_file string, line_number int, remote_user string, url string",
    )
    by_value = {
        row.line_number
        for row in subject_rows(usage_df, "usage", subjects_df, ("source_file", "line_number")).collect()
    }
    # The list as erase writes it, and as the normalization rules say it should be.
    assert {row.identifier_hash for row in subjects_df.collect()} == set(HASHES_OF_ADA)
    suppression = Suppression(KEY, HASHES_OF_ADA)
    by_hash = {row.line_number for row in usage_df.where(suppression.mentions(usage_df, "usage")).collect()}
    assert by_value == by_hash == {1, 2, 5, 6}
    legs_df = local_frame(
        spark,
        [
            ("f", 1, "acct-9", None, "0044 20 7946 0321", None),
            ("f", 2, "ACCT-1 ", None, None, None),
            ("f", 3, "acct-9", "ada.lovelace@example.org ", None, None),
            ("f", 4, "acct-9", None, "+44 20 7946 0322", "ring 0044-20-7946-0321"),  # a word is taken whole
            ("f", 5, "acct-9", None, None, "mail ADA.LOVELACE@EXAMPLE.ORG, thanks"),
        ],
        "source_file string, line_number int, account_id string, participant_email string, caller_number string, "
        "notes string",
    )
    by_value = {
        row.line_number for row in subject_rows(legs_df, "cdr", subjects_df, ("source_file", "line_number")).collect()
    }
    by_hash = {row.line_number for row in legs_df.where(suppression.mentions(legs_df, "cdr")).collect()}
    assert by_value == by_hash == {1, 2, 3, 5}
