"""What `bench.dp` measures of a differentially private release: the exact cells it stands for,
how many of them it published, and how far its noisy values are from the exact ones.

The exact cells are computed from the same silver legs, window, regions and grain as the
release, with no bounds, no noise and no suppression: the error is what a buyer sees, the
contribution bounds' bias included. Numpy here only summarises errors; it draws no noise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from transforms.dp_bounds import MEASURES, cell_key_of, legs_in_grid

BIG_CELL = 100  # the buyer target: cells of at least this many accounts


def exact_cells(silver_df: DataFrame, weeks, regions: Sequence[str], grain: Sequence[str]) -> dict[str, dict]:
    """{cell key: exact measures} of every cell at least one leg reaches (the release's filter)."""
    minutes = F.coalesce(F.col("participant_minutes"), F.lit(0))
    cells_df = (
        silver_df.transform(legs_in_grid, list(weeks), list(regions), list(grain))
        .groupBy("cell_key")
        .agg(
            F.count_distinct("conference_pseudonym").alias("conferences"),
            F.count(F.lit(1)).alias("participant_legs"),
            F.sum(minutes).alias("participant_minutes"),
            F.count_distinct("account_pseudonym").alias("distinct_accounts"),
        )
    )
    return {row.cell_key: {name: int(row[name]) for name in MEASURES} for row in cells_df.collect()}


def published_cells(rows: Sequence[Mapping], grain: Sequence[str]) -> dict[str, dict]:
    """{cell key: published measures} from a release's rows (as read from its files)."""
    return {cell_key_of([row[name] for name in grain]): {name: int(row[name]) for name in MEASURES} for row in rows}


def _spread(errors: list[float]) -> tuple[float | None, float | None]:
    if not errors:
        return None, None
    return float(np.median(errors)), float(np.quantile(errors, 0.95))


def utility(exact: Mapping[str, Mapping], published: Mapping[str, Mapping]) -> dict:
    """Coverage and relative error of one release against the exact cells.

    coverage_cells: share of exact cells published; coverage_minutes: share of the exact
    participant-minutes in published cells; per measure, the median and p95 of
    |published - exact| / exact over published exact cells (exact > 0), over all of them and
    over those of at least BIG_CELL accounts; spurious: published cells no leg reaches.
    """
    covered = [key for key in exact if key in published]
    total_minutes = sum(cell["participant_minutes"] for cell in exact.values()) or 1
    big = [key for key in covered if exact[key]["distinct_accounts"] >= BIG_CELL]
    result = {
        "exact_cells": len(exact),
        "published_cells": len(published),
        "spurious_cells": len(set(published) - set(exact)),
        "coverage_cells": len(covered) / len(exact) if exact else None,
        "coverage_minutes": sum(exact[key]["participant_minutes"] for key in covered) / total_minutes,
        "big_cells": len(big),
        "big_cells_median_minutes": float(np.median([exact[key]["participant_minutes"] for key in big]))
        if big
        else None,
    }
    for name in MEASURES:
        for label, keys in (("all", covered), ("big", big)):
            errors = [
                abs(published[key][name] - exact[key][name]) / exact[key][name] for key in keys if exact[key][name]
            ]
            result[f"{label}_{name}_median"], result[f"{label}_{name}_p95"] = _spread(errors)
    return result


def _cell(value) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else f"{value:,}"


def markdown_rows(results: list[dict], bare_seconds: float) -> list[str]:
    """One Markdown table of every setting, ready for bench/RESULTS.md."""
    head = (
        "| setting | grain | epsilon | selection | sigma minutes | published / exact cells | coverage cells | "
        "coverage minutes | median (p95) rel. error minutes | legs | conferences | accounts | "
        f"cells >= {BIG_CELL} acc.: n, median rel. error minutes | release s | / bare |"
    )
    lines = [head, "|" + " --- |" * 14]
    for r in results:
        errors = [
            f"{_cell(r[f'all_{name}_median'])} ({_cell(r[f'all_{name}_p95'])})"
            for name in ("participant_minutes", "participant_legs", "conferences", "distinct_accounts")
        ]
        lines.append(
            f"| {r['label']} | {r['grain']} | {r['epsilon']} | {r['selection']} | {r['sigma_minutes']:,.0f} | "
            f"{r['published_cells']:,} / {r['exact_cells']:,} | {_cell(r['coverage_cells'])} | "
            f"{_cell(r['coverage_minutes'])} | {' | '.join(errors)} | "
            f"{r['big_cells']}, {_cell(r['big_participant_minutes_median'])} | "
            f"{r['seconds']:.1f} | {r['seconds'] / bare_seconds:.2f} |"
        )
    return lines
