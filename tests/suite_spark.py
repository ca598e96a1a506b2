"""The Spark settings of every Spark the suite starts: its own session (tests/conftest.py), each
`tollgate` it runs as a process (which inherits PYSPARK_SUBMIT_ARGS), the Airflow DAG's stages
and the spark-submit of the cluster test.

Expressions are evaluated without generated code: on the suite's tiny tables, compiling a
query's generated Java costs more than running it (the two slowest modules: 234.9 -> 174.8 s).
The results are the same; `bench/run` (its small run is part of `make test`) keeps Spark's
default, generated code, as users run it.
"""

from __future__ import annotations

INTERPRETED = {"spark.sql.codegen.wholeStage": "false", "spark.sql.codegen.factoryMode": "NO_CODEGEN"}


def conf_arguments() -> list[str]:
    """INTERPRETED as spark-submit arguments."""
    return [argument for key, value in INTERPRETED.items() for argument in ("--conf", f"{key}={value}")]
