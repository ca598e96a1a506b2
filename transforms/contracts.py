"""What each gold dataset may hold: the gate's allow-list, types and domains."""

from __future__ import annotations

from dataclasses import dataclass, field

from transforms.user_agent import BROWSER_FAMILIES, OS_FAMILIES
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

# MOS bands: the user-satisfaction categories of ITU-T G.107 (E-model), lower bounds at one
# decimal (MOS is recorded to 0.1), best first. A leg with no MOS (telephony CDRs carry
# none) is counted in "unknown" rather than left out: a leg left out of call_quality would
# be one that subtraction from usage_by_time_of_day could find.
MOS_BANDS = (
    ("very_satisfied", 4.3),
    ("satisfied", 4.0),
    ("some_dissatisfied", 3.6),
    ("many_dissatisfied", 3.1),
    ("nearly_all_dissatisfied", 2.6),
    ("not_recommended", 1.0),
)
MOS_UNKNOWN = "unknown"

CALL_QUALITY = DatasetContract(
    name="call_quality",
    grain=("report_week", "region", "access_type", "mos_band"),
    columns={
        "report_week": "date",
        "region": "string",
        "access_type": "string",
        "mos_band": "string",
        "participant_legs": "bigint",
        "participant_minutes": "bigint",
        "distinct_accounts": "bigint",
    },
    domains={
        "region": REGIONS,
        "access_type": ACCESS_TYPES,
        "mos_band": (*(band for band, _ in MOS_BANDS), MOS_UNKNOWN),
    },
    ranges={"participant_legs": (1, None), "participant_minutes": (0, None)},
    k_column="distinct_accounts",
)

# Device classes transforms.user_agent assigns; browser "Bot" marks a known crawler.
DEVICE_CLASSES = ("desktop", "mobile", "tablet", "bot", "other")

WEB_USAGE_BY_HOUR = DatasetContract(
    name="web_usage_by_hour",
    grain=("date", "hour", "browser_family", "os_family", "device_class"),
    columns={
        "date": "date",
        "hour": "int",
        "browser_family": "string",
        "os_family": "string",
        "device_class": "string",
        "requests": "bigint",
        "distinct_visitors": "bigint",
    },
    domains={
        "browser_family": tuple(sorted(BROWSER_FAMILIES | {"Bot"})),
        "os_family": tuple(sorted(OS_FAMILIES)),
        "device_class": DEVICE_CLASSES,
    },
    ranges={"hour": (0, 23), "requests": (1, None)},
    # Visitors, not accounts: web requests carry no account, only the daily visitor hash.
    k_column="distinct_visitors",
)

CONTRACTS = {
    contract.name: contract for contract in (USAGE_BY_TIME_OF_DAY, DAILY_USAGE, CALL_QUALITY, WEB_USAGE_BY_HOUR)
}
