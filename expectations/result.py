"""The gate's verdict: which checks failed on which columns, never a value."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GateFailure:
    """One failed check: the column it concerns (None for table-level) and the check's name.

    A column whose name itself holds a PII value is given by position, as `#3`.
    """

    column: str | None
    expectation: str


@dataclass(frozen=True)
class GateResult:
    """The gate's verdict on one table; names columns and checks, never values."""

    suite: str
    success: bool
    expectations_run: int
    failures: tuple[GateFailure, ...]

    def to_dict(self) -> dict:
        """JSON-safe form for the export manifest."""
        return {
            "suite": self.suite,
            "success": self.success,
            "expectations_run": self.expectations_run,
            "failures": [{"column": failure.column, "expectation": failure.expectation} for failure in self.failures],
        }


class GateError(RuntimeError):
    """The gate could not run at all (not a refusal); the message names no value."""
