"""OpenDP noise over the bounded cell table, on the driver (it is small: one row per cell).

Every measure gets an even share of the release's budget. Its sensitivity comes from the
contribution bounds: one account changes at most L0 = cells_per_account cells, each by at
most Linf = the measure's per-cell cap, so L1 = L0 * Linf and L2 = sqrt(L0) * Linf. OpenDP
calibrates each noise scale to its share (binary_search_param) and its privacy map gives
the exact cost that the ledger charges. The samplers are OpenDP's exact discrete Gaussian
and discrete Laplace, fed by its cryptographic generator: no numpy, no Spark rand.
Clamping negative noisy values to 0 is post-processing and costs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version

import opendp.prelude as dp

from jobs.config.dp import MECHANISMS, DpSettings, epsilon_at
from transforms.dp_bounds import MEASURES

OPENDP_VERSION = version("opendp")
SELECTION_MEASURE = "distinct_accounts"  # the count OpenDP's threshold keeps or drops cells by
# Integer counts, as OpenDP's discrete samplers take them (64-bit: minutes sum past 2^31).
_VECTOR = dp.vector_domain(dp.atom_domain(T="i64"))
_CELL_MAP = dp.map_domain(dp.atom_domain(T=str), dp.atom_domain(T="i64"))


@dataclass(frozen=True)
class MeasureNoise:
    """One measure's sensitivity, noise scale and cost."""

    measure: str
    l0: int
    linf: int
    scale: float
    rho: float  # zCDP, from OpenDP's privacy map at this sensitivity
    epsilon: float | None = None  # laplace: pure epsilon of this measure

    @property
    def l1(self) -> int:
        return self.l0 * self.linf

    @property
    def l2(self) -> float:
        return math.sqrt(self.l0) * self.linf


@dataclass(frozen=True)
class NoisePlan:
    """How one release is noised, and what it costs, decided before any data is read."""

    mechanism: str  # gaussian | laplace
    measures: tuple[MeasureNoise, ...]
    selection: str  # public | private
    threshold: int | None  # private: a cell is published when its noisy distinct accounts reach this
    selection_delta: float  # private: OpenDP's map of the threshold; public: 0
    delta: float  # the recipient's delta, at which epsilon is stated

    @property
    def rho(self) -> float:
        return sum(noise.rho for noise in self.measures)

    @property
    def pure_epsilon(self) -> float | None:
        """Laplace: the release is pure-DP with the sum of its measures' epsilons."""
        if self.mechanism != "laplace":
            return None
        return sum(noise.epsilon for noise in self.measures)

    @property
    def epsilon_at_delta(self) -> float:
        """Epsilon at the recipient's delta: from rho, or the pure epsilon if that is smaller."""
        via_rho = epsilon_at(self.rho, self.delta)
        return via_rho if self.pure_epsilon is None else min(via_rho, self.pure_epsilon)

    def noise(self, measure: str) -> MeasureNoise:
        return next(noise for noise in self.measures if noise.measure == measure)


def _gaussian(scale: float) -> dp.Measurement:
    return dp.m.make_gaussian(_VECTOR, dp.l2_distance(T=float), scale=scale)


def _laplace(scale: float) -> dp.Measurement:
    return dp.m.make_laplace(_VECTOR, dp.l1_distance(T="i64"), scale=scale)


def _threshold(scale: float, threshold: int) -> dp.Measurement:
    # Input distance (L0, L2, Linf) over a map of cell -> count; output approximate zCDP.
    metric = dp.l02inf_distance(dp.absolute_distance(T=float))
    return dp.m.make_gaussian_threshold(_CELL_MAP, metric, scale=scale, threshold=threshold)


def _measure_noise(settings: DpSettings, measure: str, linf: int) -> MeasureNoise:
    l0 = settings.bounds.cells_per_account
    if settings.mechanism == "laplace":
        share = settings.release.epsilon / len(MEASURES)
        scale = dp.binary_search_param(_laplace, d_in=l0 * linf, d_out=share)
        laplace = _laplace(scale)
        rho = dp.c.make_pureDP_to_zCDP(laplace).map(l0 * linf)
        return MeasureNoise(measure, l0, linf, scale, rho, epsilon=laplace.map(l0 * linf))
    share = settings.release_rho / len(MEASURES)
    l2 = math.sqrt(l0) * linf
    scale = dp.binary_search_param(_gaussian, d_in=l2, d_out=share)
    return MeasureNoise(measure, l0, linf, scale, _gaussian(scale).map(l2))


def plan_noise(settings: DpSettings) -> NoisePlan:
    """Scales, threshold and cost of one release: OpenDP calibrates, its maps price."""
    caps = settings.bounds.contribution_bounds().per_cell_caps()
    measures = tuple(_measure_noise(settings, name, caps[name]) for name in MEASURES)
    threshold, selection_delta = None, 0.0
    if settings.selection.mode == "private":
        counts = next(noise for noise in measures if noise.measure == SELECTION_MEASURE)
        d_in = (counts.l0, counts.l2, float(counts.linf))

        def within_delta(candidate: int) -> bool:
            return _threshold(counts.scale, candidate).map(d_in)[1] <= settings.selection.delta

        # The lowest threshold whose delta fits: a cell one account alone could reach
        # passes it with at most that chance.
        threshold = dp.binary_search(within_delta, bounds=(1, 2**30), T=int)
        rho, selection_delta = _threshold(counts.scale, threshold).map(d_in)
        # The threshold noises the counts itself, at the same scale: its rho replaces theirs.
        measures = tuple(
            MeasureNoise(n.measure, n.l0, n.linf, n.scale, rho) if n.measure == SELECTION_MEASURE else n
            for n in measures
        )
    return NoisePlan(
        mechanism=settings.mechanism,
        measures=measures,
        selection=settings.selection.mode,
        threshold=threshold,
        selection_delta=selection_delta,
        delta=settings.budget.delta,
    )


def add_noise(
    plan: NoisePlan, cells: Mapping[str, Mapping[str, int]], grid_keys: Sequence[str] | None = None
) -> dict[str, dict[str, int]]:
    """{cell key: {measure: bounded value}} -> the published {cell key: {measure: noisy value}}.

    Public selection: every key of `grid_keys` (a cell no account reached counts 0), none
    withheld. Private: OpenDP's threshold on distinct accounts picks the cells, then the other
    measures of those cells are noised. Negative values become 0 (post-processing).
    """
    build = _laplace if plan.mechanism == "laplace" else _gaussian
    noisy: dict[str, list[int]] = {}
    if plan.selection == "public":
        if grid_keys is None:
            raise ValueError("public selection needs the grid's cell keys")
        off_grid = set(cells) - set(grid_keys)
        if off_grid:
            raise ValueError(f"{len(off_grid)} bounded cells are not on the public grid")
        keys = list(grid_keys)
    else:
        counts = plan.noise(SELECTION_MEASURE)
        kept = _threshold(counts.scale, plan.threshold)(
            {key: int(values[SELECTION_MEASURE]) for key, values in cells.items()}
        )
        keys = sorted(kept)
        noisy[SELECTION_MEASURE] = [kept[key] for key in keys]
    for noise in plan.measures:
        if noise.measure in noisy or not keys:
            continue
        bounded = [int(cells[key][noise.measure]) if key in cells else 0 for key in keys]
        noisy[noise.measure] = build(noise.scale)(bounded)
    return {
        key: {measure: max(0, int(noisy[measure][index])) for measure in MEASURES} for index, key in enumerate(keys)
    }


def mechanism_name(plan: NoisePlan) -> str:
    return MECHANISMS[plan.mechanism]
