"""Subprocessor extracts: bronze -> exports/<recipient>/<source>_extract/<release_id>/.

A recipient of kind `subprocessor` gets, per source its role covers, the allow-listed columns
of the policy's `subprocessors:` section (jobs/subprocessors.py), identifiers keyed with the
recipient's own key, rows of its allowed source regions only. The release goes the same way
as an aggregate's (jobs/export.py): written to exports/.staging/, gated on the bytes written
(expectations/extract_gate.py), renamed into place, one ledger row either way. The manifest's
`privacy.risk` is the re-identification risk over the extract's quasi-identifiers.

Grain: an extract keeps its source's grain (one row per account, leg or card transaction).
"""

from __future__ import annotations

import logging
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from expectations.extract_gate import validate_extract
from jobs.config.keys import recipient_key
from jobs.config.policy import Policy
from jobs.config.recipients import Recipient
from jobs.config.subprocessors import (
    CARD_COLUMNS,
    EXTRACT_DATASETS,
    RoleRules,
    check_extract_recipients,
    output_name,
)
from jobs.errors import ConfigError
from jobs.lake.layout import (
    BRONZE_ACCOUNTS,
    BRONZE_BILLING,
    BRONZE_CDR,
    BRONZE_USAGE,
    PRIVACY_STATE,
    Lake,
    delta_version,
    is_delta,
)
from jobs.release.manifest import ExtractPrivacy
from jobs.release.pending import PendingReleases
from jobs.release.publish import ReleaseRequest, publish_release
from transforms.extracts import allowed_columns, in_regions, with_account_region
from transforms.risk import reidentification_risk

log = logging.getLogger("tollgate.extract")
# The column that identifies a row of each source; the extract is sorted by it.
ROW_KEYS = {"accounts": "account_id", "cdr": "leg_id", "billing": "transaction_id"}


def export_extract(
    spark: SparkSession,
    lake: Lake,
    exports: Path,
    recipient: Recipient,
    dataset: str,
    policy: Policy,
    master_key: bytes | None = None,
    pending: PendingReleases | None = None,
) -> Path:
    """Gate and publish one extract for a subprocessor; the ledger records either way (with
    `pending`, an export's, at its commit).

    Raises ConfigError when the policy does not cover it or no key is given, ReleaseRefused (after a `refused`
    ledger row, leaving no release) when the gate refuses.
    """
    rules = policy.subprocessors
    check_extract_recipients(rules, [recipient])
    role, source = rules[recipient.role], EXTRACT_DATASETS[dataset]
    if not master_key:
        # The caller loads it from the command's --config; never a default file behind its back.
        raise ConfigError(f"extract {recipient.name}/{dataset} needs the HMAC key (its pseudonyms are keyed)")
    # Keyed per recipient: two recipients' pseudonyms of one account never match.
    key = recipient_key(master_key, recipient.name)
    extract_df, versions = build_extract(spark, lake, source, role, recipient.regions, key)
    columns = role.output_columns(source)
    row_key = ROW_KEYS.get(source)
    grain = (output_name(row_key, role.in_clear),) if row_key in role.sources[source] else columns
    k = max(recipient.k or policy.k, policy.k_floor)

    def privacy(staged_df: DataFrame) -> ExtractPrivacy:
        return ExtractPrivacy(
            k=k,
            k_floor=policy.k_floor,
            small_cells="row-level extract: no cells to suppress; risk reports classes below k",
            regions=sorted(recipient.regions),
            role=role.role,
            pseudonymized=[output_name(c, role.in_clear) for c in role.pseudonymized(source)],
            in_clear=sorted(set(role.sources[source]) & role.in_clear),
            risk=risk_report(staged_df, policy.quasi_identifiers(source, role.sources[source]), k),
        )

    request = ReleaseRequest(
        what="extract",
        recipient=recipient,
        dataset=dataset,
        rows_df=extract_df,
        grain=tuple(grain),
        source_delta_versions=versions,
        policy_sha256=policy.sha256,
        gate=lambda staged_df, docs_dir: validate_extract(
            staged_df, f"{recipient.name}.{dataset}", columns, role.may_hold_cards, CARD_COLUMNS, docs_dir
        ),
        privacy=privacy,
    )
    final_dir, manifest = publish_release(spark, lake, exports, request, pending=pending)
    log.info(
        "extract %s/%s (role %s): release %s staged, %d rows, gate passed",
        recipient.name,
        dataset,
        role.role,
        final_dir,
        manifest.row_count,
    )
    return final_dir


def build_extract(
    spark: SparkSession, lake: Lake, source: str, role: RoleRules, regions: tuple[str, ...], key: bytes
) -> tuple[DataFrame, dict[str, int]]:
    """The extract of `source` for `role` (not yet written) and the bronze versions it read."""
    tables = {
        "accounts": BRONZE_ACCOUNTS,
        "cdr": BRONZE_CDR,
        "billing": BRONZE_BILLING,
        "usage_log": BRONZE_USAGE,
        "privacy_state": PRIVACY_STATE,
    }
    versions: dict[str, int] = {}

    def read(name: str) -> DataFrame:
        path = lake.path(tables[name])
        if not is_delta(spark, path):
            raise ConfigError(f"no bronze {name} table for the {source} extract: ingest its landing files first")
        versions[tables[name]] = version = delta_version(path)
        return spark.read.format("delta").option("versionAsOf", version).load(path)

    source_df = read(source)
    if source == "billing":
        # A transaction's region is its account's; one of an unknown account goes nowhere.
        source_df = with_account_region(source_df, read("accounts")).transform(in_regions, regions, "_account_region")
    elif source in ("accounts", "cdr"):
        source_df = source_df.transform(in_regions, regions)
    # usage_log has no region: check_extract_recipients allows it only to all-region recipients.
    if "account_id" in source_df.columns and is_delta(spark, lake.privacy_state):
        # Minors are not knowingly processed (policy point 6): no extract holds their rows.
        minors_df = read("privacy_state").where(F.col("is_minor")).select("account_id")
        source_df = source_df.join(minors_df, on="account_id", how="left_anti")
    extract_df = source_df.transform(allowed_columns, role.sources[source], role.pseudonymized(source), key)
    return extract_df, versions


def risk_report(extract_df: DataFrame, quasi_identifiers: list[str], k: int) -> dict:
    """Re-identification risk over the extract's quasi-identifiers (none: one class of all rows)."""
    if quasi_identifiers:
        risk_df = reidentification_risk(extract_df, quasi_identifiers, k)
    else:
        risk_df = reidentification_risk(extract_df.select(F.lit(True).alias("_all")), ["_all"], k)
    return {"quasi_identifiers": list(quasi_identifiers), **risk_df.first().asDict()}
