"""The privacy policy file: loaded and validated at start-up (bad values exit 2)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from jobs.common import load_yaml
from jobs.errors import ConfigError

# Below this no configuration may set k: the floor of the floor.
ABSOLUTE_K_FLOOR = 5


@dataclass(frozen=True)
class Policy:
    path: Path
    sha256: str
    k: int
    k_floor: int


def load_policy(path: Path) -> Policy:
    data = load_yaml(path, "privacy policy")
    cells = data.get("small_cells")
    if not isinstance(cells, dict):
        raise ConfigError(f"privacy policy {path}: missing the small_cells section")
    k, k_floor = cells.get("k"), cells.get("k_floor", ABSOLUTE_K_FLOOR)
    for name, value in (("k", k), ("k_floor", k_floor)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"privacy policy {path}: small_cells.{name} must be a whole number")
    if k_floor < ABSOLUTE_K_FLOOR:
        raise ConfigError(f"privacy policy {path}: k_floor {k_floor} is below {ABSOLUTE_K_FLOOR}")
    if k < k_floor:
        raise ConfigError(f"privacy policy {path}: k {k} is below the floor {k_floor}")
    return Policy(path=path, sha256=hashlib.sha256(path.read_bytes()).hexdigest(), k=k, k_floor=k_floor)
