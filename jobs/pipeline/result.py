"""What one `tollgate run` did: each stage's report, the releases and the seconds per stage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from jobs.rights.erase import ErasureReport
from jobs.stages.anonymize import AnonymizeReport
from jobs.stages.ingest_report import IngestReport


@dataclass
class RunResult:
    ingest: IngestReport = field(default_factory=IngestReport)
    anonymize: AnonymizeReport = field(default_factory=AnonymizeReport)
    weeks: list[dt.date] = field(default_factory=list)
    releases: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    erasure: ErasureReport = field(default_factory=ErasureReport)
    report: Path | None = None  # <lake>/_reports/run-<time>.html (jobs/pipeline/report.py)
