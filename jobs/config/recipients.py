"""The recipients file: who receives which datasets, validated at start-up (exit 2 if bad)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from jobs.config.dp import DpSettings
from jobs.config.subprocessors import EXTRACT_DATASETS, ROLES
from jobs.config.yaml_files import load_model
from jobs.errors import ConfigError
from transforms.contracts import CONTRACTS
from transforms.dp_bounds import DP_CONTRACTS
from transforms.vocabulary import REGIONS


class Recipient(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    kind: Literal["sale", "research", "advertising", "subprocessor"]
    # Which row of the policy's subprocessor table (jobs/subprocessors.py); subprocessors only.
    role: Literal[ROLES] | None = None
    datasets: tuple[str, ...] = Field(min_length=1)
    format: Literal["parquet", "csv"] = "parquet"
    k: int | None = None
    regions: tuple[str, ...] = REGIONS
    # How the recipient's releases are protected: `suppression` (cells under k withheld, safe
    # against differencing) or `dp` (differential privacy with a budget, settings in `dp:`).
    privacy: Literal["suppression", "dp"] = "suppression"
    dp: DpSettings | None = None

    @field_validator("datasets")
    @classmethod
    def _known_datasets(cls, datasets: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        # Row-level extracts (<source>_extract) go to subprocessors only.
        known = set(CONTRACTS) | set(DP_CONTRACTS)
        known |= set(EXTRACT_DATASETS) if info.data.get("kind") == "subprocessor" else set()
        unknown = sorted(set(datasets) - known)
        if unknown:
            raise ValueError(f"unknown dataset(s) {unknown}; known: {sorted(known)}")
        return datasets

    @model_validator(mode="after")
    def _role_iff_subprocessor(self) -> Recipient:
        if (self.kind == "subprocessor") != (self.role is not None):
            raise ValueError(f"role is required for a subprocessor and only for one (roles: {', '.join(ROLES)})")
        return self

    @model_validator(mode="after")
    def _dp_datasets_only_with_dp(self) -> Recipient:
        # One recipient, one guarantee: an exact (suppressed) release beside a DP one lets the
        # recipient subtract the noise away, so DP and non-DP datasets never mix.
        if (self.privacy == "dp") != (self.dp is not None):
            raise ValueError("privacy: dp needs a dp: section, and a dp: section needs privacy: dp")
        if self.privacy == "dp":
            exact = [d for d in self.datasets if d not in DP_CONTRACTS]
            if exact:
                raise ValueError(
                    f"a privacy: dp recipient receives DP datasets only ({', '.join(DP_CONTRACTS)}); "
                    f"not {', '.join(exact)}"
                )
            if self.kind == "subprocessor":
                raise ValueError("privacy: dp is for aggregates; a subprocessor gets row-level extracts")
            if self.k is not None:
                raise ValueError("privacy: dp replaces k: noise, not suppression, protects the cells (remove k)")
        else:
            noisy = [d for d in self.datasets if d in DP_CONTRACTS]
            if noisy:
                raise ValueError(f"{', '.join(noisy)} is differentially private; only a privacy: dp recipient gets it")
        return self

    @model_validator(mode="after")
    def _regionless_datasets_need_every_region(self) -> Recipient:
        # A dataset without a region column (web logs carry none) cannot be cut to some
        # source regions, so only a recipient allowed all of them may receive it (policy point 7).
        regionless = [d for d in self.datasets if d in CONTRACTS and "region" not in CONTRACTS[d].columns]
        if regionless and set(self.regions) != set(REGIONS):
            raise ValueError(
                f"{', '.join(regionless)} has no region column; only a recipient of every region may receive it"
            )
        return self

    @field_validator("regions")
    @classmethod
    def _known_regions(cls, regions: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(regions) - set(REGIONS))
        if unknown:
            raise ValueError(f"unknown region(s) {unknown}")
        return regions


class RecipientsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recipients: tuple[Recipient, ...] = Field(min_length=1)


def load_recipients(path: Path, k_floor: int) -> dict[str, Recipient]:
    parsed = load_model(path, RecipientsFile, "recipients file")
    by_name: dict[str, Recipient] = {}
    for recipient in parsed.recipients:
        if recipient.name in by_name:
            raise ConfigError(f"recipients file {path}: recipient {recipient.name} appears twice")
        if recipient.k is not None and recipient.k < k_floor:
            raise ConfigError(
                f"recipients file {path}: recipient {recipient.name} sets k {recipient.k} below the floor {k_floor}"
            )
        by_name[recipient.name] = recipient
    return by_name
