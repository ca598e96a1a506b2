"""conf/tollgate.yaml beyond the key: telephony sources, one PBX per landing folder."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jobs.common import load_model
from transforms.vocabulary import PRODUCTS, REGIONS


class TelephonySource(BaseModel):
    """landing/cdr/<name>/*.csv written by one PBX: its format, clock and owner."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["asterisk", "freeswitch"]
    timezone: str
    day_first: bool = False
    account_id: str = Field(min_length=1)
    region: str
    country: str = Field(pattern=r"^[A-Z]{2}$")
    product: str = "audio"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        if zone not in available_timezones():
            raise ValueError(f"unknown IANA time zone {zone!r}")
        return zone

    @field_validator("region")
    @classmethod
    def _known_region(cls, region: str) -> str:
        if region not in REGIONS:
            raise ValueError(f"region must be one of {', '.join(REGIONS)}")
        return region

    @field_validator("product")
    @classmethod
    def _known_product(cls, product: str) -> str:
        if product not in PRODUCTS:
            raise ValueError(f"product must be one of {', '.join(PRODUCTS)}")
        return product


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    hmac_key_file: str
    telephony: dict[str, TelephonySource] = Field(default_factory=dict)

    @field_validator("telephony")
    @classmethod
    def _folder_names(cls, sources: dict[str, TelephonySource]) -> dict[str, TelephonySource]:
        for name in sources:
            if not name.replace("-", "").replace("_", "").isalnum() or name.startswith("date="):
                raise ValueError(f"telephony source {name!r} must be a plain folder name")
        return sources


def load_settings(path: Path) -> Settings:
    return load_model(path, Settings, "settings file")
