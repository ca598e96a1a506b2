"""The release manifest as one model, and the JSON Schema a recipient checks it with.

`expectations/manifest.schema.json` is generated from `Manifest`: after changing the model, run
`.venv/bin/python -m jobs.release.manifest` and commit the file it writes
(tests/test_manifest_schema.py fails while the two differ). `tollgate verify` checks manifests
with that file and jsonschema alone, so a recipient needs neither pydantic nor this code.

manifest_version is still 1: what was added since is optional (privacy.consent) or a new
shape of `privacy` (DpPrivacy, jobs/release/dp_schema.py), so every release made before it
still verifies.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from jobs.config.recipients import Recipient
from jobs.config.subprocessors import ROLES
from jobs.release.dp_schema import DpSection
from jobs.release.verify import SCHEMA_PATH, sha256_of

MANIFEST_VERSION = 1
RecipientKind = Recipient.model_fields["kind"].annotation
Count = Annotated[int, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class _Closed(BaseModel):
    # A field no model names is a mistake, not an extension: additionalProperties false.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Column(_Closed):
    name: str
    type: str = Field(description="Spark SQL type name (DataType.simpleString)")


class DataFile(_Closed):
    path: str = Field(pattern=r"^data/[A-Za-z0-9._-]+$", description="relative to the release folder")
    sha256: Sha256
    bytes: Count


class FailedCheck(_Closed):
    column: str | None = Field(description="null for a table-level check; `#3` when the name itself is personal")
    expectation: str


class Gate(_Closed):
    """The privacy gate's verdict on the files as written; names checks and columns, never values."""

    suite: str
    success: bool
    expectations_run: int = Field(ge=1)
    failures: list[FailedCheck]


ConsentRule = Literal["none", "do_not_sell", "do_not_sell or no marketing consent"]


class Consent(_Closed):
    accounts_excluded: Count = Field(description="accounts left out by Do Not Sell or marketing consent")
    rule: ConsentRule


class Risk(_Closed):
    """Re-identification risk over the extract's quasi-identifiers (null when it has no rows)."""

    quasi_identifiers: list[str]
    rows: Count
    classes: Count
    min_class_size: Annotated[int, Field(ge=1)] | None
    max_prosecutor_risk: Share | None
    avg_prosecutor_risk: Share | None
    share_rows_below_k: Share | None
    k: int = Field(ge=1)


class _Privacy(_Closed):
    k: int = Field(ge=1)
    k_floor: int = Field(ge=1)
    small_cells: str = Field(description="what was done to groups of fewer than k accounts")
    regions: list[str] = Field(description="the source regions whose rows are included")


class AggregatePrivacy(_Privacy):
    """An aggregate release: cells under k suppressed."""

    # Optional, not nullable: releases made before Do Not Sell have no consent at all.
    consent: Consent | SkipJsonSchema[None] = None


class ExtractPrivacy(_Privacy):
    """A subprocessor's row-level extract: the role's allow-list, identifiers keyed per recipient."""

    role: Literal[ROLES]
    pseudonymized: list[str]
    in_clear: list[str]
    risk: Risk


class DpPrivacy(_Closed):
    """A differentially private release: noise within the recipient's budget protects every
    cell, so there is no k and no cell is suppressed; `dp` states the guarantee."""

    regions: list[str] = Field(description="the source regions whose rows are included")
    # Which accounts were left out (Do Not Sell, marketing consent), but not how many: an exact
    # count is not differentially private. A field of its own, not `consent`, for that reason.
    consent_rule: ConsentRule
    dp: DpSection


class Manifest(_Closed):
    """What a release holds, where it came from, and the gate's verdict on it."""

    model_config = ConfigDict(
        title="Tollgate release manifest",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "tollgate/manifest/v1"},
    )

    manifest_version: Literal[1]
    recipient: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    recipient_kind: RecipientKind
    dataset: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    grain: list[str] = Field(min_length=1, description="the columns that identify one row")
    release_id: str = Field(pattern=r"^[0-9]{8}T[0-9]{6}Z(-[0-9]+)?$")
    created_at: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
    source_delta_versions: dict[str, Count] = Field(min_length=1, description="Delta table -> version read")
    row_count: Count
    columns: list[Column] = Field(min_length=1)
    files: list[DataFile] = Field(min_length=1)
    privacy: AggregatePrivacy | ExtractPrivacy | DpPrivacy
    gate: Gate
    policy_sha256: Sha256

    def as_json(self) -> dict:
        """The manifest.json body. Fields never given are left out (an extract has no consent),
        while a null that was given stays (an empty extract's risk)."""
        return self.model_dump(mode="json", exclude_unset=True)


def describe_files(root: Path, data_dir: Path) -> list[DataFile]:
    """Path, sha256 and size of every data file (only the moved part files are in data/)."""
    return [
        DataFile(path=str(path.relative_to(root)), sha256=sha256_of(path), bytes=path.stat().st_size)
        for path in sorted(data_dir.iterdir())
    ]


def schema_text() -> str:
    """The JSON Schema of `Manifest`, written the same way every time (sorted keys)."""
    return json.dumps(Manifest.model_json_schema(), indent=2, sort_keys=True) + "\n"


def write_schema(path: Path = SCHEMA_PATH) -> Path:
    path.write_text(schema_text(), encoding="utf-8")
    return path


if __name__ == "__main__":
    sys.stdout.write(f"wrote {write_schema()}\n")
