"""An ephemeral GX context with one pandas DataFrame asset, as the gate sets one up for Spark
(expectations/suite.py), for the tests that build Data Docs without Spark."""

from __future__ import annotations

import great_expectations as gx
from great_expectations.data_context.types.base import ProgressBarsConfig


def pandas_context(suite_name: str):
    """(context, whole-DataFrame batch definition of an asset named `suite_name`)."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    batch = (
        context.data_sources.add_pandas(name="tollgate")
        .add_dataframe_asset(name=suite_name)
        .add_batch_definition_whole_dataframe(name="whole_table")
    )
    return context, batch
