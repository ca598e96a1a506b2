"""The privacy policy file: every column's class and treatment, and k. Validated at start-up.

A column the policy does not list is a direct identifier (fail closed): dropped before
silver, and named in the run's warnings and summary.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from jobs.config.sources import FREE_TEXT, SOURCE_COLUMNS
from jobs.config.subprocessors import RoleRules, parse_subprocessor_rules
from jobs.config.yaml_files import parse_yaml, read_config_bytes
from jobs.errors import ConfigError

# Below this no configuration may set k: the floor of the floor.
ABSOLUTE_K_FLOOR = 5
CLASSES = ("direct_identifier", "quasi_identifier", "sensitive", "operational", "safe")
GENERALIZERS = {
    "local_time": {"start_time"},
    "user_agent": {"user_agent"},
    "calling_code": {"caller_number"},
    "path_template": {"url"},
}
# Every lake table that holds identifiable (or pseudonymous, still personal) rows; each must
# have a retention window in days. Gold is anonymous; the ledger and file counts hold none.
RETENTION_TABLES = (
    "bronze.cdr_legs",
    "bronze.usage_log",
    "bronze.quarantine",
    "bronze.billing",
    "silver.cdr_legs",
    "silver.web_requests",
)
# The current registration, replaced whole by each ingest: not aged out (erasure removes rows).
NOT_AGED = {"bronze.accounts"}


@dataclass(frozen=True)
class Policy:
    path: Path
    sha256: str
    k: int
    k_floor: int
    sources: dict[str, dict[str, tuple[str, str]]]  # source -> column -> (class, treatment)
    retention: dict[str, int] = field(default_factory=dict)  # "layer.table" -> window in days
    subprocessors: dict[str, RoleRules] = field(default_factory=dict)  # role -> its allow-list

    def treatments(self, source: str) -> dict[str, str]:
        """Column -> treatment for every known column of `source`; unlisted ones drop."""
        listed = self.sources.get(source, {})
        return {column: listed.get(column, ("direct_identifier", "drop"))[1] for column in SOURCE_COLUMNS[source]}

    def quasi_identifiers(self, source: str, columns: Iterable[str]) -> list[str]:
        """The columns the policy classes as quasi-identifiers (the risk report's inputs)."""
        classes = self.sources.get(source, {})
        return [c for c in columns if classes.get(c, ("direct_identifier", "drop"))[0] == "quasi_identifier"]

    def unclassified(self, source: str) -> list[str]:
        return [column for column in SOURCE_COLUMNS[source] if column not in self.sources.get(source, {})]


def load_policy(path: Path) -> Policy:
    """Read the policy file once: its sha256 (for manifests) and its rules come from the same bytes."""
    raw = read_config_bytes(path, "privacy policy")
    data = parse_yaml(raw.decode("utf-8"), path, "privacy policy")
    k, k_floor = _small_cells(path, data.get("small_cells"))
    sources = {name: _source_rules(path, name, rules) for name, rules in (data.get("sources") or {}).items()}
    return Policy(
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        k=k,
        k_floor=k_floor,
        sources=sources,
        retention=_retention(path, data.get("retention")),
        # Checked with the rest, so every command fails at start-up on a bad section.
        subprocessors=parse_subprocessor_rules(path, data.get("subprocessors")),
    )


def _small_cells(path: Path, cells) -> tuple[int, int]:
    if not isinstance(cells, dict):
        raise ConfigError(f"privacy policy {path}: missing the small_cells section")
    k, k_floor = cells.get("k"), cells.get("k_floor", ABSOLUTE_K_FLOOR)
    for name, value in (("k", k), ("k_floor", k_floor)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"privacy policy {path}: small_cells.{name} must be a whole number")
    if k_floor < ABSOLUTE_K_FLOOR:
        raise ConfigError(f"privacy policy {path}: small_cells.k_floor {k_floor} is below {ABSOLUTE_K_FLOOR}")
    if k < k_floor:
        raise ConfigError(f"privacy policy {path}: small_cells.k {k} is below the floor {k_floor}")
    return k, k_floor


def _retention(path: Path, windows) -> dict[str, int]:
    """Table -> window in days; every identifiable table needs one (fail closed)."""
    where = f"privacy policy {path}: retention"
    if not isinstance(windows, dict):
        raise ConfigError(f"{where}: missing the section (table -> window in days)")
    for table, days in windows.items():
        if table in NOT_AGED:
            raise ConfigError(f"{where}.{table}: the current registration snapshot is not aged out")
        if table not in RETENTION_TABLES:
            raise ConfigError(f"{where}.{table}: unknown table (known: {', '.join(RETENTION_TABLES)})")
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise ConfigError(f"{where}.{table}: the window must be a whole number of days, at least 1")
    missing = [table for table in RETENTION_TABLES if table not in windows]
    if missing:
        raise ConfigError(f"{where}: no window for {', '.join(missing)}")
    return {table: windows[table] for table in RETENTION_TABLES}


def _source_rules(path: Path, source: str, rules) -> dict[str, tuple[str, str]]:
    where = f"privacy policy {path}: sources.{source}"
    if source not in SOURCE_COLUMNS:
        raise ConfigError(f"{where}: unknown source (known: {', '.join(SOURCE_COLUMNS)})")
    if not isinstance(rules, dict):
        raise ConfigError(f"{where} must map column names to {{class, treatment}}")
    parsed = {}
    for column, rule in rules.items():
        here = f"{where}.{column}"
        if column not in SOURCE_COLUMNS[source]:
            raise ConfigError(f"{here}: {source} has no such column")
        if not isinstance(rule, dict) or set(rule) != {"class", "treatment"}:
            raise ConfigError(f"{here} must have exactly the keys class and treatment")
        klass, treatment = rule["class"], rule["treatment"]
        if klass not in CLASSES:
            raise ConfigError(f"{here}: class {klass!r} is not one of {', '.join(CLASSES)}")
        kind, _, how = str(treatment).partition(":")
        if kind == "generalize":
            if column not in GENERALIZERS.get(how, set()):
                raise ConfigError(f"{here}: cannot generalize {column} with {how!r}")
        elif kind not in ("drop", "pseudonymize", "keep") or how:
            raise ConfigError(f"{here}: treatment {treatment!r} is not drop, pseudonymize, keep or generalize:<how>")
        if kind != "drop" and column in FREE_TEXT.get(source, set()):
            raise ConfigError(f"{here}: free text never leaves bronze; its treatment must be drop")
        if klass == "direct_identifier" and kind == "keep":
            raise ConfigError(f"{here}: a direct identifier cannot be kept; drop or pseudonymize it")
        parsed[column] = (klass, treatment)
    return parsed
