"""conf/tollgate.yaml beyond the key: telephony sources, one PBX per landing folder."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from jobs.config.yaml_files import load_model, problem_at
from transforms.cdr_layouts import CdrLayout, resolve_layout
from transforms.vocabulary import PRODUCTS, REGIONS


class TelephonySource(BaseModel):
    """landing/cdr/<name>/*.csv written by one PBX: its format and layout, clock and owner.

    The layout is a preset of the format (`layout`), or a layout of one's own: `header: true`
    (each file's first line names the columns) and/or `columns` (the names in file order).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["asterisk", "freeswitch"]
    layout: str | None = None
    header: bool = False
    columns: tuple[str, ...] | None = Field(default=None, min_length=1)
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

    @model_validator(mode="after")
    def _layout_resolves(self) -> TelephonySource:
        try:
            self.cdr_layout()
        except ValueError as error:
            key = "columns" if self.columns is not None else "layout" if self.layout is not None else "header"
            raise problem_at(str(error), key) from None
        return self

    def cdr_layout(self) -> CdrLayout:
        """The layout its files are read with."""
        return resolve_layout(self.format, self.layout, header=self.header, columns=self.columns)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    hmac_key_file: str
    # The logins of `tollgate serve` (jobs/analysts/passwords.py): hashes only, mode 0600.
    serve_password_file: str = ".secrets/serve-passwords"
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
