"""What each gold dataset may hold: the gate's allow-list, types and domains."""

from __future__ import annotations

from dataclasses import dataclass, field

from transforms.vocabulary import ACCESS_TYPES, PRODUCTS, REGIONS


@dataclass(frozen=True)
class DatasetContract:
    """A published dataset: its grain, its exact columns (name -> Spark type) and domains."""

    name: str
    grain: tuple[str, ...]
    columns: dict[str, str]
    domains: dict[str, tuple] = field(default_factory=dict)
    ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    k_column: str | None = None


USAGE_BY_TIME_OF_DAY = DatasetContract(
    name="usage_by_time_of_day",
    grain=("report_week", "local_dow", "local_hour", "region", "product", "access_type"),
    columns={
        "report_week": "date",
        "local_dow": "int",
        "local_hour": "int",
        "region": "string",
        "product": "string",
        "access_type": "string",
        "conferences": "bigint",
        "participant_legs": "bigint",
        "participant_minutes": "bigint",
        "distinct_accounts": "bigint",
    },
    domains={"region": REGIONS, "product": PRODUCTS, "access_type": ACCESS_TYPES},
    ranges={
        "local_dow": (1, 7),
        "local_hour": (0, 23),
        "conferences": (1, None),
        "participant_legs": (1, None),
        "participant_minutes": (0, None),
    },
    k_column="distinct_accounts",
)

DAILY_USAGE = DatasetContract(
    name="daily_usage",
    grain=("date", "region", "product"),
    columns={
        "date": "date",
        "region": "string",
        "product": "string",
        "conferences": "bigint",
        "participant_legs": "bigint",
        "participant_minutes": "bigint",
        "distinct_accounts": "bigint",
    },
    domains={"region": REGIONS, "product": PRODUCTS},
    ranges={"conferences": (1, None), "participant_legs": (1, None), "participant_minutes": (0, None)},
    k_column="distinct_accounts",
)

CONTRACTS = {contract.name: contract for contract in (USAGE_BY_TIME_OF_DAY, DAILY_USAGE)}
