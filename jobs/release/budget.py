"""The DP budget ledger: every DP release reserves its cost here before any noise is drawn.

Grain: one `balance` row per DP recipient (what its releases have spent, in zCDP rho and in
the delta of private selection) and one `attempt` row per DP release attempt (`reserved` or
`refused`, and why), in the Delta table `<lake>/_ledger/dp_budget`, partitioned by `entry`.

A reservation is one conditional MERGE on the recipient's balance row, adding the cost only
if `spent + cost <= total`. Of two releases started together, Delta's optimistic concurrency
commits one and fails the other with a conflict; its retry reads the new balance, where the
condition fails. Nothing is refunded: a release that fails after its reservation stays
charged. Amounts are exact decimals: costs rounded up, totals rounded down.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

# delta-spark raises Delta's commit conflicts as its own Python classes only once this
# module is imported (it patches PySpark's conversion of JVM errors); nothing else imports it.
import delta.exceptions as delta_errors
import delta.exceptions.captured  # noqa: F401
from delta.tables import DeltaTable
from pyspark.errors import PySparkException
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DecimalType, DoubleType, LongType, StringType, StructField, StructType, TimestampType

from jobs.errors import GateRefused
from jobs.lake.frames import local_frame
from jobs.lake.layout import Lake

log = logging.getLogger("tollgate.budget")

# 18 decimals hold a per-release delta of 1e-12 exactly; 30 digits leave room to add two
# amounts without Spark narrowing the scale (it would above 38).
AMOUNT = DecimalType(30, 18)
_QUANTUM = Decimal(1).scaleb(-18)
_ZERO = Decimal(0)
LEDGER_SCHEMA = StructType(
    [
        StructField("entry", StringType(), nullable=False),  # balance | attempt
        StructField("recipient", StringType(), nullable=False),
        StructField("release_id", StringType(), nullable=True),  # balance: the last one charged
        StructField("dataset", StringType(), nullable=True),
        StructField("status", StringType(), nullable=False),  # open | reserved | refused
        StructField("rho_cost", AMOUNT, nullable=True),  # attempts only
        StructField("selection_delta_cost", AMOUNT, nullable=True),  # attempts only
        StructField("epsilon_cost", DoubleType(), nullable=True),  # attempts: the cost as epsilon
        StructField("recipient_delta", DoubleType(), nullable=True),  # attempts: the delta of epsilon_cost
        StructField("rho_spent", AMOUNT, nullable=False),  # after the attempt
        StructField("selection_delta_spent", AMOUNT, nullable=False),
        StructField("rho_total", AMOUNT, nullable=False),  # the budget when it was charged
        StructField("selection_delta_total", AMOUNT, nullable=False),
        StructField("releases", LongType(), nullable=False),  # releases charged so far
        StructField("reason", StringType(), nullable=True),  # refusals: numbers, never data
        StructField("recorded_at", TimestampType(), nullable=False),
    ]
)
# Every class delta.exceptions exports is a commit conflict (ConcurrentAppendException, ...).
_CONFLICTS = tuple(getattr(delta_errors, name) for name in delta_errors.__all__)
_CONFLICT_CONDITIONS = ("DELTA_CONCURRENT", "DELTA_METADATA_CHANGED", "DELTA_PROTOCOL_CHANGED")
_TRIES = 8
_CARRIED = ("release_id", "dataset", "rho_total", "selection_delta_total", "recorded_at")  # onto the balance row
_IS_BALANCE = "t.entry = 'balance' AND t.recipient = s.recipient"
_FITS = (
    "t.rho_spent + s.rho_cost <= s.rho_total"
    " AND t.selection_delta_spent + s.selection_delta_cost <= s.selection_delta_total"
)
_FITS_FIRST = "s.rho_cost <= s.rho_total AND s.selection_delta_cost <= s.selection_delta_total"


@dataclass(frozen=True)
class BudgetCharge:
    """What one release asks of its recipient's budget."""

    recipient: str
    dataset: str
    release_id: str
    rho: float  # the release's zCDP cost, from OpenDP's privacy maps
    epsilon: float  # the same cost as epsilon at `delta` (recorded, not compared)
    delta: float  # the recipient's delta
    selection_delta: float  # the release's threshold delta (0 for a public grid)
    rho_total: float  # the recipient's budget, from its settings now
    selection_delta_total: float


@dataclass(frozen=True)
class BudgetBalance:
    """A recipient's spend: after a reservation, or as `tollgate budget` shows it."""

    recipient: str
    rho_spent: Decimal
    selection_delta_spent: Decimal
    releases: int


def cost_amount(value: float) -> Decimal:
    """A cost as the ledger charges it: rounded up, never under what OpenDP computed."""
    return Decimal(value).quantize(_QUANTUM, rounding=ROUND_CEILING)


def total_amount(value: float) -> Decimal:
    """A budget as the ledger holds it: rounded down, never over what the settings allow."""
    return Decimal(value).quantize(_QUANTUM, rounding=ROUND_FLOOR)


def reserve_budget(spark: SparkSession, lake: Lake, charge: BudgetCharge) -> BudgetBalance:
    """Charge `charge` to its recipient's balance, or refuse: GateRefused after an `attempt`
    row saying why. Returns the balance right after this release's charge."""
    _ensure_ledger(spark, lake.dp_budget)
    source = {
        "recipient": charge.recipient,
        "release_id": charge.release_id,
        "dataset": charge.dataset,
        "rho_cost": cost_amount(charge.rho),
        "selection_delta_cost": cost_amount(charge.selection_delta),
        "rho_total": total_amount(charge.rho_total),
        "selection_delta_total": total_amount(charge.selection_delta_total),
        "recorded_at": dt.datetime.now(dt.UTC).replace(microsecond=0),
    }
    for attempt in range(_TRIES):
        try:
            charged = _conditional_merge(spark, lake.dp_budget, source)
            break
        except Exception as error:
            if not _is_commit_conflict(error):
                raise
            # Another release committed first: read its balance and test the condition again.
            log.info("budget ledger: concurrent release, retrying (%d)", attempt + 1)
            time.sleep(0.1 * (attempt + 1))
    else:
        raise RuntimeError("the DP budget ledger stayed busy; nothing was charged")
    if not charged:
        now = read_balances(spark, lake).get(charge.recipient, BudgetBalance(charge.recipient, _ZERO, _ZERO, 0))
        reason = (
            f"budget exhausted: needs rho {source['rho_cost']} (spent {now.rho_spent} of {source['rho_total']})"
            f" and selection delta {source['selection_delta_cost']}"
            f" (spent {now.selection_delta_spent} of {source['selection_delta_total']})"
        )
        _append_attempt(spark, lake.dp_budget, charge, source, now, reason)
        raise GateRefused(f"DP release {charge.recipient}/{charge.dataset} refused: {reason}")
    balance = _balance_after(spark, lake.dp_budget, charge.recipient, charge.release_id)
    _append_attempt(spark, lake.dp_budget, charge, source, balance, None)
    log.info("budget ledger: %s charged rho %s, spent %s", charge.recipient, source["rho_cost"], balance.rho_spent)
    return balance


def read_balances(spark: SparkSession, lake: Lake) -> dict[str, BudgetBalance]:
    """Every recipient's current spend (an absent ledger: nobody has spent anything)."""
    if not DeltaTable.isDeltaTable(spark, lake.dp_budget):
        return {}
    rows = spark.read.format("delta").load(lake.dp_budget).where(F.col("entry") == "balance").collect()
    return {row.recipient: _balance_of(row) for row in rows}


def _is_commit_conflict(error: Exception) -> bool:
    """Delta's optimistic concurrency refused the commit: by class, or by its error condition."""
    if isinstance(error, _CONFLICTS):
        return True
    condition = error.getCondition() if isinstance(error, PySparkException) else None
    return bool(condition) and condition.startswith(_CONFLICT_CONDITIONS)


def _ensure_ledger(spark: SparkSession, path: str) -> None:
    if DeltaTable.isDeltaTable(spark, path):
        return
    try:
        DeltaTable.createIfNotExists(spark).location(path).addColumns(LEDGER_SCHEMA).partitionedBy("entry").execute()
    except Exception:
        # Two first releases created it together (Delta reports the loser's commit in more
        # than one way); one of them made it, which is all we need. Anything else re-raises.
        if not DeltaTable.isDeltaTable(spark, path):
            raise


def _conditional_merge(spark: SparkSession, path: str, source: dict) -> bool:
    """One MERGE: add the cost to the balance row if it still fits (or open the row if the
    cost fits the budget at all). True when this release was charged."""
    source_df = local_frame(spark, [source], StructType([LEDGER_SCHEMA[name] for name in source]))
    metrics = (
        DeltaTable.forPath(spark, path)
        .alias("t")
        .merge(source_df.alias("s"), _IS_BALANCE)
        .whenMatchedUpdate(
            condition=_FITS,
            set={
                "rho_spent": "t.rho_spent + s.rho_cost",
                "selection_delta_spent": "t.selection_delta_spent + s.selection_delta_cost",
                "releases": "t.releases + 1",
                **{name: f"s.{name}" for name in _CARRIED},
            },
        )
        .whenNotMatchedInsert(
            condition=_FITS_FIRST,
            values={
                "entry": "'balance'",
                "status": "'open'",
                **dict.fromkeys(("rho_cost", "selection_delta_cost", "epsilon_cost", "recipient_delta"), "NULL"),
                "rho_spent": "s.rho_cost",
                "selection_delta_spent": "s.selection_delta_cost",
                "releases": "1",
                "reason": "NULL",
                **{name: f"s.{name}" for name in source if name not in ("rho_cost", "selection_delta_cost")},
            },
        )
        .execute()
        .first()
    )
    return metrics["num_updated_rows"] + metrics["num_inserted_rows"] == 1


def _balance_after(spark: SparkSession, path: str, recipient: str, release_id: str) -> BudgetBalance:
    """The balance as this release's MERGE left it: the current row, or (if another release
    was charged since) the row at the version that names this release."""
    table = DeltaTable.forPath(spark, path)
    merges = table.history(50).where(F.col("operation") == "MERGE").select("version").collect()
    for version in (None, *(row.version for row in merges)):
        reader = spark.read.format("delta")
        if version is not None:
            reader = reader.option("versionAsOf", version)
        row = reader.load(path).where((F.col("entry") == "balance") & (F.col("recipient") == recipient)).first()
        if row is not None and row.release_id == release_id:
            return _balance_of(row)
    raise RuntimeError(f"DP budget of {recipient}: charged, but the balance after release {release_id} is not found")


def _append_attempt(
    spark: SparkSession, path: str, charge: BudgetCharge, source: dict, balance: BudgetBalance, reason: str | None
) -> None:
    row = {
        **source,
        "epsilon_cost": charge.epsilon,
        "recipient_delta": charge.delta,
        "entry": "attempt",
        "status": "refused" if reason else "reserved",
        "rho_spent": balance.rho_spent,
        "selection_delta_spent": balance.selection_delta_spent,
        "releases": balance.releases,
        "reason": reason,
    }
    # A blind append to the `attempt` partition: it never conflicts with a reservation.
    local_frame(spark, [row], LEDGER_SCHEMA).write.format("delta").mode("append").save(path)


def _balance_of(row) -> BudgetBalance:
    return BudgetBalance(row.recipient, row.rho_spent, row.selection_delta_spent, row.releases)
