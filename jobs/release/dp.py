"""The rows of a differentially private release: bounded in Spark, charged, noised by OpenDP.

For a `privacy: dp` recipient the export path (jobs/release/dp_export.py) calls
`dp_release_source` where it would call `release_source` (jobs/release/audience.py), then
publishes `rows_df` like any release: gated with `contract` (the DP dataset at the
recipient's grain) and no k, and `section` as the manifest's `privacy.dp` (checked by
`check_dp_manifest`). A release the budget cannot pay for raises BudgetExhausted.

Order matters: the plan (scales, threshold, cost) depends on the settings alone; the budget
is reserved before any data is aggregated or any noise drawn; a failure after that leaves
the recipient charged. The seed that picks each account's cells is new for every release
and never stored or logged.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.config.keys import account_pseudonym
from jobs.config.recipients import Recipient
from jobs.errors import ConfigError, GateRefused
from jobs.lake.frames import local_frame
from jobs.lake.layout import PRIVACY_STATE, SILVER_CDR, Lake, delta_version, is_delta
from jobs.release.audience import EXCLUDED_BY_KIND
from jobs.release.budget import BudgetCharge, reserve_budget
from jobs.release.dp_manifest import dp_manifest_section
from jobs.release.dp_noise import add_noise, plan_noise
from transforms.contracts import DatasetContract
from transforms.dp_bounds import DP_CONTRACTS, MEASURES, bounded_cells, cell_key_of, dp_contract, grid_cells

log = logging.getLogger("tollgate.dp")


class BudgetExhausted(GateRefused):
    """A release its recipient's budget cannot pay for (exit 3): nothing was charged, no
    noise drawn; the budget ledger has an `attempt` row with the figures."""

    def __init__(self, message: str, delta_versions: dict[str, int]):
        super().__init__(message)
        self.delta_versions = delta_versions  # the tables the release would have read


@dataclass(frozen=True)
class DpReleaseSource:
    """The noisy rows of one DP release, what they were read from, and the guarantee."""

    rows_df: DataFrame  # grain: one row per published cell of contract.grain
    contract: DatasetContract  # the DP dataset at the recipient's grain: what the gate checks
    delta_versions: dict[str, int]
    consent: dict  # the exclusion rule; the exact count of excluded accounts is not DP, so not given
    section: dict  # the manifest's privacy.dp


def window_weeks(last_day: dt.date, weeks: int) -> list[dt.date]:
    """The report weeks (Mondays) of a release window: `weeks` of them, ending with last_day's."""
    monday = last_day - dt.timedelta(days=last_day.weekday())
    return [monday - dt.timedelta(weeks=back) for back in reversed(range(weeks))]


def dp_release_source(
    spark: SparkSession,
    lake: Lake,
    recipient: Recipient,
    dataset: str,
    release_id: str,
    last_day: dt.date,
    master_key: bytes | None = None,
) -> DpReleaseSource:
    """Plan, reserve the budget (BudgetExhausted when it does not fit), bound, noise.

    `last_day` fixes the window and must not come from the data (the run's last day, or the
    release date): a public grid is public only if it is known before any row is read.
    """
    settings = recipient.dp
    if settings is None or dataset not in DP_CONTRACTS:
        raise ConfigError(f"{recipient.name}/{dataset} is not a DP release")
    # Whatever can fail for want of configuration or tables fails here, before the charge.
    if not is_delta(spark, lake.silver_cdr):
        raise ConfigError("no silver CDR legs in the lake; run `tollgate anonymize` first")
    plan = plan_noise(settings)
    weeks = window_weeks(last_day, settings.release.window_weeks)
    legs_df, versions, consent = _audience_legs(spark, lake, recipient.kind, master_key)
    charge = BudgetCharge(
        recipient=recipient.name,
        dataset=dataset,
        release_id=release_id,
        rho=plan.rho,
        epsilon=plan.epsilon_at_delta,
        delta=settings.budget.delta,
        selection_delta=plan.selection_delta,
        rho_total=settings.budget.rho_total,
        selection_delta_total=settings.budget.selection_delta,
    )
    try:
        balance = reserve_budget(spark, lake, charge)
    except GateRefused as refusal:  # only a budget that does not fit refuses here
        raise BudgetExhausted(str(refusal), versions) from None
    contract = dp_contract(settings.release.grain)
    bounded_df = bounded_cells(
        legs_df,
        weeks=weeks,
        regions=recipient.regions,
        bounds=settings.bounds.contribution_bounds(),
        seed_hex=secrets.token_hex(32),
        grain=contract.grain,
    )
    # Small and already aggregated: one row per cell some account reached.
    bounded = {row.cell_key: row.asDict() for row in bounded_df.collect()}
    grid = {cell_key_of(cell): cell for cell in grid_cells(weeks, recipient.regions, contract.grain)}
    noisy = add_noise(plan, bounded, list(grid) if plan.selection == "public" else None)
    grain_of = grid | {key: tuple(row[name] for name in contract.grain) for key, row in bounded.items()}
    rows = sorted((*grain_of[key], *(values[name] for name in MEASURES)) for key, values in noisy.items())
    schema = ", ".join(f"{name} {kind}" for name, kind in contract.columns.items())
    rows_df = local_frame(spark, rows, schema)
    section = dp_manifest_section(
        settings, plan, weeks=weeks, regions=recipient.regions, cells_published=len(rows), balance=balance
    )
    log.info("DP release %s/%s: %d cells published, rho %.6f charged", recipient.name, dataset, len(rows), plan.rho)
    return DpReleaseSource(rows_df, contract, versions, consent, section)


def _audience_legs(
    spark: SparkSession, lake: Lake, kind: str, master_key: bytes | None
) -> tuple[DataFrame, dict[str, int], dict]:
    """Silver legs at a pinned version, without the accounts the recipient's kind excludes
    (Do Not Sell, marketing consent: see jobs/release/audience.py)."""
    silver_version = delta_version(lake.silver_cdr)
    legs_df = spark.read.format("delta").option("versionAsOf", silver_version).load(lake.silver_cdr)
    if kind not in EXCLUDED_BY_KIND:
        return legs_df, {SILVER_CDR: silver_version}, {"rule": "none"}
    if not master_key:
        raise ConfigError(f"a {kind} release needs the HMAC key (the opted-out accounts' pseudonyms)")
    if not is_delta(spark, lake.privacy_state):
        raise ConfigError("no account privacy state in the lake; run `tollgate ingest` first")
    state_version = delta_version(lake.privacy_state)
    state_df = spark.read.format("delta").option("versionAsOf", state_version).load(lake.privacy_state)
    excluded_df = state_df.where(EXCLUDED_BY_KIND[kind]()).select(
        account_pseudonym(F.col("account_id"), master_key).alias("account_pseudonym")
    )
    kept_df = legs_df.join(excluded_df, on="account_pseudonym", how="left_anti")
    rule = "do_not_sell" if kind == "sale" else "do_not_sell or no marketing consent"
    versions = {SILVER_CDR: silver_version, PRIVACY_STATE: state_version}
    return kept_df, versions, {"rule": rule}
