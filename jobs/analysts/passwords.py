"""The logins of `tollgate serve`: a password file, one `user:pbkdf2_sha256$iterations$salt$hash`
line per user (hex), mode 0600. The server never holds a password, only these hashes; its login
check (jobs/analysts/java/tollgate/serve/PasswordFileAuthenticator.java) reads the same file
at every login. Passwords are never logged or printed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import stat
from pathlib import Path

from jobs.config.settings import load_settings
from jobs.errors import ConfigError
from jobs.lake.session import project_path

SCHEME = "pbkdf2_sha256"
# OWASP's 2023 figure for PBKDF2-HMAC-SHA256: about a third of a second per login on 2 cores.
ITERATIONS = 600_000
MIN_PASSWORD_CHARS = 12
USER_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def password_file_path(config_path: Path) -> Path:
    """The password file named in conf/tollgate.yaml (`serve_password_file`), from the project folder."""
    named = load_settings(config_path).serve_password_file
    path = Path(named)
    return path if path.is_absolute() else project_path(named)


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """The file's record of one password: `pbkdf2_sha256$iterations$salt$hash`, in hex."""
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{SCHEME}${iterations}${salt.hex()}${digest.hex()}"


def verify_password(record: str, password: str) -> bool:
    """Whether `password` matches a record of hash_password (as the server's check decides)."""
    scheme, _, rest = record.partition("$")
    iterations, _, rest = rest.partition("$")
    salt_hex, _, digest_hex = rest.partition("$")
    if scheme != SCHEME or not iterations.isdigit():
        return False
    try:
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(digest_hex)
    except ValueError:
        return False
    actual = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, int(iterations))
    return hmac.compare_digest(actual, expected)


def set_password(path: Path, user: str, password: str, *, iterations: int = ITERATIONS) -> None:
    """Add `user` to the password file, or change its password; the file is created mode 0600."""
    if not USER_NAME.match(user):
        raise ConfigError("a user name is 1-64 letters, digits, '.', '_' or '-'")
    if len(password) < MIN_PASSWORD_CHARS:
        raise ConfigError(f"a password has at least {MIN_PASSWORD_CHARS} characters")
    others = [line for line in _lines(path) if not line.startswith(f"{user}:")] if path.exists() else []
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.new")
    descriptor = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.writelines(f"{line}\n" for line in [*others, f"{user}:{hash_password(password, iterations=iterations)}"])
    os.replace(staged, path)  # whole file or nothing: a login never reads half a file


def check_password_file(path: Path) -> list[str]:
    """The users of a usable password file, or a ConfigError that says how to make one."""
    if not path.is_file():
        raise ConfigError(f"no password file {path}: add a login with `tollgate serve --add-user NAME`")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"password file {path} is readable by others (mode {mode:o}); chmod 600 it")
    users = [line.partition(":")[0] for line in _lines(path) if line.partition(":")[2].startswith(f"{SCHEME}$")]
    if not users:
        raise ConfigError(f"password file {path} holds no login: add one with `tollgate serve --add-user NAME`")
    return users


def _lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
