"""conf/tollgate.yaml beyond the key: telephony sources, one PBX per landing folder."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jobs.config.yaml_files import load_model
from transforms.vocabulary import PRODUCTS, REGIONS


class TelephonySource(BaseModel):
    """landing/cdr/<name>/*.csv written by one PBX: its format, clock and owner."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["asterisk", "freeswitch"]
    timezone: str
    day_first: bool = False
    account_id: str = Field(min_length=1)
    region: Literal[REGIONS]
    country: str = Field(pattern=r"^[A-Z]{2}$")
    product: Literal[PRODUCTS] = "audio"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        if zone not in available_timezones():
            raise ValueError(f"unknown IANA time zone {zone!r}")
        return zone


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
