"""The HMAC key: from TOLLGATE_HMAC_KEY or the key file named in conf/tollgate.yaml.

The key is never logged, printed or written anywhere but its own file.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from jobs.config.settings import load_settings
from jobs.errors import ConfigError
from jobs.lake.session import project_path

ENV_VAR = "TOLLGATE_HMAC_KEY"
MIN_KEY_BYTES = 16
log = logging.getLogger("tollgate.keys")


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
