"""An ephemeral GX context with one pandas DataFrame asset, set up as the gate sets one up for
Spark (expectations/suite.py), for the tests that build Data Docs without Spark."""

from __future__ import annotations

from expectations.suite import quiet_context


def pandas_context(suite_name: str):
    """(context, whole-DataFrame batch definition of an asset named `suite_name`)."""
    context = quiet_context()
    batch = (
        context.data_sources.add_pandas(name="tollgate")
        .add_dataframe_asset(name=suite_name)
        .add_batch_definition_whole_dataframe(name="whole_table")
    )
    return context, batch
