"""Exceptions that map to the command line's exit codes (DESIGN.md)."""

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_GATE_REFUSED = 3


class ConfigError(Exception):
    """Bad usage or bad configuration: exit 2. The message must never quote personal data."""


class GateRefused(Exception):
    """The privacy gate refused a table or release: exit 3."""
