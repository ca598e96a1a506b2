"""The HMAC key (from TOLLGATE_HMAC_KEY or the key file named in conf/tollgate.yaml) and
every key derived from it, one per purpose, named here once.

A pseudonym made under one purpose cannot be joined with one made under another. The
purposes are part of every pseudonym in the lake: changing one changes them all. The key is
never logged, printed or written anywhere but its own file.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from pyspark.sql import Column

from jobs.config.settings import load_settings
from jobs.errors import ConfigError
from jobs.lake.session import project_path
from transforms.pseudonymize import derive_key, keyed_pseudonym

ENV_VAR = "TOLLGATE_HMAC_KEY"
MIN_KEY_BYTES = 16
log = logging.getLogger("tollgate.keys")


def silver_key(master_key: bytes) -> bytes:
    """Silver's pseudonyms (account_pseudonym, conference_pseudonym)."""
    return derive_key(master_key, "silver:v1")


def visitor_key(master_key: bytes) -> bytes:
    """Silver web requests' daily visitor hash (of the request date and the IP)."""
    return derive_key(master_key, "visitor:v1")


def privacy_key(master_key: bytes) -> bytes:
    """Every hash the privacy bookkeeping keeps (suppression list, requests, audit, queue)."""
    return derive_key(master_key, "privacy:v1")


def recipient_key(master_key: bytes, recipient: str) -> bytes:
    """One recipient's extract pseudonyms: two recipients' pseudonyms of one account never match."""
    return derive_key(master_key, f"recipient:{recipient}")


def account_pseudonym(account_id_col: Column, master_key: bytes) -> Column:
    """An account id -> its silver `account_pseudonym`, exactly as anonymize writes it (same
    normalization, same key), so erasure, access and Do Not Sell find the account's legs.

    >>> state_df.select(account_pseudonym(F.col("account_id"), master_key).alias("account_pseudonym"))
    """
    return keyed_pseudonym(account_id_col, "account_id", silver_key(master_key))


def key_file_path(config_path: Path) -> Path:
    named = load_settings(config_path).hmac_key_file
    path = Path(named)
    return path if path.is_absolute() else project_path(named)


def load_hmac_key(config_path: Path) -> bytes:
    """The master key, or a ConfigError that says how to provide one (no key, no run)."""
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        key = from_env.encode("utf-8")
    else:
        path = key_file_path(config_path)
        if not path.is_file():
            raise ConfigError(f"no HMAC key: set {ENV_VAR} or create the key file {path}")
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(f"key file {path} is readable by others (mode {mode:o}); chmod 600 it")
        key = path.read_bytes().strip()
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(f"the HMAC key is shorter than {MIN_KEY_BYTES} bytes")
    return key


def ensure_demo_key(config_path: Path) -> Path:
    """Create a random key file with mode 0600 if there is none (demo only)."""
    path = key_file_path(config_path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        log.info("created a demo HMAC key file %s (mode 0600)", path)
    return path
