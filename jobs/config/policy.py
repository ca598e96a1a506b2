"""The privacy policy file: every column's class and treatment, k, retention windows and the
subprocessors' allow-lists. Read once into pydantic models at start-up; a problem is a
ConfigError (exit 2) naming the key and its line.

A column the policy does not list is a direct identifier (fail closed): dropped before
silver, and named in the run's warnings and summary.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from jobs.config.sources import SOURCE_COLUMNS, UNLISTED, ColumnRule, check_sources
from jobs.config.subprocessors import RoleRules, check_roles
from jobs.config.yaml_files import decode_config, problem_at, read_config_bytes, validate_yaml

# Below this no configuration may set k: the floor of the floor.
ABSOLUTE_K_FLOOR = 5
# Every lake table that holds identifiable (or pseudonymous, still personal) rows; each must
# have a retention window in days. Gold is anonymous; the ledger and file counts hold none.
# Two keys are not plain tables: `bronze.quarantine.privacy_requests` is the requests' part
# of the quarantine (their raw lines age by the received_at in them), and
# `bronze.account_privacy_state` ages the state's history, its past Delta versions (the
# current snapshot always stays). jobs/rights/retention.py says how each entry is aged.
RETENTION_TABLES = (
    "bronze.cdr_legs",
    "bronze.usage_log",
    "bronze.quarantine",
    "bronze.quarantine.privacy_requests",
    "bronze.billing",
    "bronze.privacy_requests",
    "bronze.account_privacy_state",
    "silver.cdr_legs",
    "silver.web_requests",
)
# History windows are VACUUM's retention in hours (window x 24). Below 7 days Delta's safety
# check refuses it; only erasure may turn that check off, so a shorter window is refused here.
HISTORY_MIN_DAYS = {"bronze.account_privacy_state": 7}
# Never aged out. An entry for one is refused (exit 2) rather than ignored, so that nobody
# reading the file believes it ages.
NOT_AGED = {
    "bronze.accounts": "the current registration snapshot is not aged out (an erasure request removes an account)",
    "_privacy.suppression": "the suppression list never ages out: it keeps every erased account out of "
    "every later ingest, re-run and backfill of old landing files",
    "_privacy.audit": "the privacy audit never ages out: it is what marks an erasure applied (never redone) "
    "and an access answered, and the record that they were",
}


def _whole_number(value: object) -> int:
    # YAML gives 30.5, "90" or true as they are written; none of them is a count.
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("must be a whole number")
    return value


def _window_days(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError("the window must be a whole number of days, at least 1")
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
WindowDays = Annotated[int, BeforeValidator(_window_days)]
# What each required section holds, for the error when it is missing.
_SECTIONS = {"small_cells": "k, k_floor", "retention": "table -> window in days"}


class SmallCells(BaseModel):
    """A published cell counts at least k distinct accounts; no one may set k below k_floor."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    k: WholeNumber
    k_floor: WholeNumber = ABSOLUTE_K_FLOOR

    @model_validator(mode="after")
    def _floors(self) -> SmallCells:
        if self.k_floor < ABSOLUTE_K_FLOOR:
            raise problem_at(f"k_floor {self.k_floor} is below {ABSOLUTE_K_FLOOR}", "k_floor")
        if self.k < self.k_floor:
            raise problem_at(f"k {self.k} is below the floor {self.k_floor}", "k")
        return self


class PolicyFile(BaseModel):
    """conf/privacy-policy.yaml as written; every section checked, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    small_cells: SmallCells = Field(default=None, validate_default=True)
    retention: dict[str, WindowDays] = Field(default=None, validate_default=True)  # "layer.table" -> days
    sources: dict[str, dict[str, ColumnRule]] = Field(default=None, validate_default=True)
    subprocessors: dict[str, RoleRules] = Field(default=None, validate_default=True)  # role -> allow-list

    @field_validator("small_cells", "retention", mode="before")
    @classmethod
    def _required_section(cls, section: object, info: ValidationInfo) -> object:
        if section is None:
            raise ValueError(f"missing the section ({_SECTIONS[info.field_name]})")
        return section

    @field_validator("sources", "subprocessors", mode="before")
    @classmethod
    def _optional_section(cls, section: object) -> object:
        # No sources: every column unlisted, so dropped. No subprocessors: no role gets anything.
        return {} if section is None else section

    @field_validator("retention")
    @classmethod
    def _every_identifiable_table(cls, windows: dict[str, int]) -> dict[str, int]:
        for table in windows:
            if table in NOT_AGED:
                raise problem_at(NOT_AGED[table], table)
            if table not in RETENTION_TABLES:
                raise problem_at(f"unknown table (known: {', '.join(RETENTION_TABLES)})", table)
        missing = [table for table in RETENTION_TABLES if table not in windows]
        if missing:
            raise ValueError(f"no window for {', '.join(missing)}")
        for table, least in HISTORY_MIN_DAYS.items():
            if windows[table] < least:
                raise problem_at(
                    f"a history window must be at least {least} days: a shorter VACUUM needs Delta's "
                    "safety check off, which only erasure may do",
                    table,
                )
        return {table: windows[table] for table in RETENTION_TABLES}

    @field_validator("sources")
    @classmethod
    def _known_columns(cls, sources: dict[str, dict[str, ColumnRule]]) -> dict[str, dict[str, ColumnRule]]:
        check_sources(sources)
        return sources

    @field_validator("subprocessors")
    @classmethod
    def _roles(cls, section: dict[str, RoleRules]) -> dict[str, RoleRules]:
        # Checked with the rest, so every command fails at start-up on a bad section.
        check_roles(section)
        return section


@dataclass(frozen=True)
class Policy:
    """The policy as read from `path`; `sha256` is of the very bytes the rules came from."""

    path: Path
    sha256: str
    rules: PolicyFile

    @property
    def k(self) -> int:
        return self.rules.small_cells.k

    @property
    def k_floor(self) -> int:
        return self.rules.small_cells.k_floor

    @property
    def retention(self) -> dict[str, int]:
        """Entry ("layer.table") -> window in days, for every entry of RETENTION_TABLES."""
        return self.rules.retention

    @property
    def sources(self) -> dict[str, dict[str, ColumnRule]]:
        return self.rules.sources

    @property
    def subprocessors(self) -> dict[str, RoleRules]:
        """Role -> its allow-list."""
        return self.rules.subprocessors

    def _rule(self, source: str, column: str) -> tuple[str, str]:
        rule = self.sources.get(source, {}).get(column)
        return (rule.klass, rule.treatment) if rule else UNLISTED

    def treatments(self, source: str) -> dict[str, str]:
        """Column -> treatment for every known column of `source`; unlisted ones drop."""
        return {column: self._rule(source, column)[1] for column in SOURCE_COLUMNS[source]}

    def quasi_identifiers(self, source: str, columns: Iterable[str]) -> list[str]:
        """The columns the policy classes as quasi-identifiers (the risk report's inputs)."""
        return [c for c in columns if self._rule(source, c)[0] == "quasi_identifier"]

    def unclassified(self, source: str) -> list[str]:
        return [column for column in SOURCE_COLUMNS[source] if column not in self.sources.get(source, {})]


def load_policy(path: Path) -> Policy:
    """Read the policy file once: its sha256 (for manifests) and its rules come from the same bytes."""
    what = "privacy policy"
    raw = read_config_bytes(path, what)
    rules = validate_yaml(decode_config(raw, path, what), path, PolicyFile, what)
    return Policy(path=path, sha256=hashlib.sha256(raw).hexdigest(), rules=rules)
