"""PII detectors on real labelled files: Presidio's synthetic dataset (recall, and false
positives on texts without such PII) and an Apache access log's client addresses."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from pyspark.sql import functions as F

from tests.detector_runs import detected_kinds
from tests.shared_data import SHARED_DATA
from transforms.detectors import DETECTORS

PRESIDIO = SHARED_DATA / "pii-text" / "presidio-research" / "synth_dataset_v2.json"
APACHE_LOG = SHARED_DATA / "access-logs" / "elastic" / "apache_logs"

# Presidio label -> the detector that must find it (IP_ADDRESS: either IP detector).
PRESIDIO_KINDS = {
    "EMAIL_ADDRESS": ("email",),
    "CREDIT_CARD": ("card",),
    "IP_ADDRESS": ("ipv4", "ipv6"),
    "PHONE_NUMBER": ("phone",),
    "IBAN_CODE": ("iban",),
    "US_SSN": ("us_ssn",),
}
MIN_RECALL = {"EMAIL_ADDRESS": 0.99, "CREDIT_CARD": 0.99, "IP_ADDRESS": 0.99, "PHONE_NUMBER": 0.95}


@pytest.fixture(scope="module")
def presidio() -> list[dict]:
    if not PRESIDIO.exists():
        pytest.skip(f"{PRESIDIO} not present")
    return json.loads(PRESIDIO.read_text(encoding="utf-8"))


def test_presidio_labelled_values_recall(spark, presidio):
    # Every CREDIT_CARD value in this file passes Luhn; 10 of 136 are 12-digit Maestro.
    spans = [
        (span["entity_type"], span["entity_value"])
        for record in presidio
        for span in record["spans"]
        if span["entity_type"] in PRESIDIO_KINDS
    ]
    found: dict[str, list[bool]] = defaultdict(list)
    for (label, _), kinds in zip(spans, detected_kinds(spark, [v for _, v in spans]), strict=True):
        found[label].append(any(kind in kinds for kind in PRESIDIO_KINDS[label]))
    recall = {label: sum(hits) / len(hits) for label, hits in found.items()}
    for label, floor in MIN_RECALL.items():
        assert recall[label] >= floor, (label, recall[label])
    assert recall["IBAN_CODE"] == 1.0


def test_presidio_texts_without_such_pii_are_rarely_flagged(spark, presidio):
    # US_SSN counts as PII here too: us_ssn flags those texts, rightly.
    clean = [
        record["full_text"]
        for record in presidio
        if not any(span["entity_type"] in PRESIDIO_KINDS for span in record["spans"])
    ]
    flagged = sum(1 for kinds in detected_kinds(spark, clean) if kinds)
    assert len(clean) > 1000
    assert flagged / len(clean) < 0.01


def test_every_apache_client_ip_is_ipv4(spark):
    if not APACHE_LOG.exists():
        pytest.skip(f"{APACHE_LOG} not present")
    detectors_df = (
        spark.read.text(str(APACHE_LOG))
        .select(F.substring_index("value", " ", 1).alias("client"))
        .select(DETECTORS["ipv4"](F.col("client")).alias("is_ipv4"))
    )
    counts = detectors_df.groupBy("is_ipv4").count().collect()
    assert {row.is_ipv4: row["count"] for row in counts} == {True: 10_000}
