"""Exceptions that map to the command line's exit codes (0 ok, 1 failure, 2 bad usage or
configuration, 3 the privacy gate refused; docs/architecture.md, "Exit codes")."""

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_GATE_REFUSED = 3


class ConfigError(Exception):
    """Bad usage or bad configuration: exit 2. The message must never quote personal data."""


class GateRefused(Exception):
    """The privacy gate refused a table or release: exit 3."""
