"""The manifest's `privacy.dp` section as models: part of expectations/manifest.schema.json.

The section is built by jobs/release/dp_manifest.py (`dp_manifest_section`); these models say
which fields it has and of what type, so a recipient's JSON Schema check refuses a section
with a field missing, misspelt or added. Whether the numbers agree with each other (the
sensitivities with the bounds, the costs with the scales, the spend with the budget) is
`check_dp_manifest`'s arithmetic, which `tollgate verify` runs after the schema.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Count = Annotated[int, Field(ge=0)]
Positive = Annotated[int, Field(ge=1)]
Amount = Annotated[float, Field(ge=0)]
Week = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]


class _Closed(BaseModel):
    # As in jobs/release/manifest.py: a field no model names is a mistake (additionalProperties false).
    model_config = ConfigDict(extra="forbid", frozen=True)


class DpWindow(_Closed):
    """The report weeks (Mondays) and source regions one release covers."""

    first_week: Week
    last_week: Week
    weeks: Positive
    regions: list[str] = Field(min_length=1)


class DpContributionBounds(_Closed):
    """Per account and release: at most cells_per_account cells, each capped per measure."""

    cells_per_account: Positive
    legs_per_cell: Positive
    conferences_per_cell: Positive
    minutes_per_cell: Positive
    minutes_per_leg: Positive


class DpSensitivity(_Closed):
    """What removing one account can change: l0 cells, each by at most linf."""

    l0: Positive
    linf: Positive
    l1: Positive
    l2: float = Field(gt=0)


class DpSensitivities(_Closed):
    conferences: DpSensitivity
    participant_legs: DpSensitivity
    participant_minutes: DpSensitivity
    distinct_accounts: DpSensitivity


class DpPerMeasure(_Closed):
    """One non-negative number per published measure."""

    conferences: Amount
    participant_legs: Amount
    participant_minutes: Amount
    distinct_accounts: Amount


class DpLibrary(_Closed):
    name: Literal["opendp"]
    version: str = Field(min_length=1)


class DpSelection(_Closed):
    """public: every cell of the grid, none withheld. private: a noisy threshold picks cells."""

    mode: Literal["public", "private"]
    measure: Literal["distinct_accounts"] | None = Field(description="the count the threshold is applied to")
    threshold: Positive | None
    delta: Amount = Field(description="the threshold's delta (0 for a public grid)")
    grid_cells: Count | None
    cells_published: Count


class DpReleaseCost(_Closed):
    """What this release spent: rho (zCDP), and epsilon at the recipient's delta."""

    rho: Amount
    delta: float = Field(gt=0)
    epsilon_at_delta: float = Field(gt=0)
    delta_total: float = Field(gt=0, description="delta plus the selection delta")
    pure_epsilon: Amount | None = Field(description="laplace only: the release is pure epsilon-DP")


class DpBudgetState(_Closed):
    """The recipient's lifetime budget, and its spend once this release was charged."""

    rho_total: Amount
    epsilon_total: Amount | None
    delta: float = Field(gt=0)
    selection_delta_total: Amount
    rho_spent_after: Amount
    selection_delta_spent_after: Amount
    epsilon_spent_after_at_delta: Amount
    delta_total_after: float = Field(gt=0)
    releases_after: Positive


class DpSection(_Closed):
    """The guarantee of a differentially private release, checkable by its recipient."""

    privacy_unit: Literal["account"]
    neighbouring: str
    grain: list[str] = Field(min_length=2, description="the columns of a cell: gold's grain or coarser")
    window: DpWindow
    bounds: DpContributionBounds
    sensitivity: DpSensitivities
    mechanism: Literal["discrete_gaussian", "discrete_laplace"]
    library: DpLibrary
    noise_scale: DpPerMeasure
    measure_rho: DpPerMeasure
    measure_epsilon: DpPerMeasure | None = Field(description="laplace only: each measure's pure epsilon")
    selection: DpSelection
    release: DpReleaseCost
    budget: DpBudgetState
    post_processing: str
