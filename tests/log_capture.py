"""Every message Tollgate logs during a fixture's run, as text, for tests that read the log."""

from __future__ import annotations

import logging


class Messages(logging.Handler):
    """Add to the `tollgate` logger; `messages` holds each record's text at `level` and up."""

    def __init__(self, level: int = logging.INFO):
        super().__init__(level=level)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())
