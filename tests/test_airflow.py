"""The daily DAG (docs/airflow/tollgate_daily.py) in a real Apache Airflow: `airflow dags test`
runs every stage of the one stage list (jobs/pipeline/stages.py), in order, with the project's
own tollgate, on a small landing folder that holds an erasure request; afterwards the erased
account is in no lake file, no release and no log line.

Run with `make test-airflow`: it builds .venv-airflow (Airflow pinned in
conf/airflow-requirements.txt, apart from the project's packages) and takes minutes, so `make
test` leaves it out (marker `airflow`). Airflow's home and SQLite database, the landing folder,
lake, exports and logs are all under the test's temporary folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import os
import shutil
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from jobs.config.keys import silver_key
from jobs.lake.session import PROJECT_ROOT
from jobs.pipeline.stages import STAGE_NAMES
from tests.leak_scan import every_byte_and_value, leaked_forms, normalised_forms
from tests.rights_fixtures import DAY, ERASED, build_rights_landing

pytestmark = pytest.mark.airflow

DAG_FILE = PROJECT_ROOT / "docs" / "airflow" / "tollgate_daily.py"
# `make test-airflow` names the airflow of .venv-airflow; a run without it is skipped, not failed.
AIRFLOW = Path(os.environ.get("TOLLGATE_AIRFLOW", PROJECT_ROOT / ".venv-airflow" / "bin" / "airflow"))
KEY = "airflow-test-key-0123456789abcdef"
MIGRATE_TIMEOUT_S = 600
DAG_TIMEOUT_S = 2400  # six stages, each a Spark application, on 2 cores


def _environment(root: Path) -> dict[str, str]:
    """Airflow's home and database under root, and the DAG's locations (read when it is parsed)."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AIRFLOW", "TOLLGATE_", "SPARK_", "PYSPARK_"))
    }
    # But the suite's Spark settings (tests/suite_spark.py, set by tests/conftest.py),
    # which each stage's tollgate inherits through its BashOperator (append_env).
    suite_spark = (
        {"PYSPARK_SUBMIT_ARGS": os.environ["PYSPARK_SUBMIT_ARGS"]} if "PYSPARK_SUBMIT_ARGS" in os.environ else {}
    )
    return {
        **inherited,
        **suite_spark,
        "AIRFLOW_HOME": str(root / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(root / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{root / 'airflow' / 'airflow.db'}",
        "TOLLGATE_HOME": str(PROJECT_ROOT),
        "TOLLGATE_LANDING": str(root / "landing"),
        "TOLLGATE_LAKE": str(root / "lake"),
        "TOLLGATE_EXPORTS": str(root / "exports"),
        "TOLLGATE_LOGS": str(root / "logs"),
        "TOLLGATE_RETRIES": "0",  # a failing stage fails the test now, not after two retries
        "TOLLGATE_HMAC_KEY": KEY,
    }


def _airflow(args: list[str], env: dict[str, str], log: Path, timeout: float) -> int:
    """`airflow ARGS` in a process group of its own, its output appended to log; on a timeout
    the group gets SIGTERM (a task's on_kill stops its tollgate), then SIGKILL."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(AIRFLOW), *args],
            env=env,
            cwd=log.parent,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            raise


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-6000:]


def _task_instances(database: Path) -> list[tuple[str, str, int, dt.datetime, dt.datetime]]:
    """(task, state, try, start, end) of the DAG's one run, by start time, from Airflow's database."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        runs = connection.execute("SELECT run_id, state FROM dag_run WHERE dag_id = 'tollgate_daily'").fetchall()
        assert len(runs) == 1 and runs[0][1] == "success", runs
        rows = connection.execute(
            "SELECT task_id, state, try_number, start_date, end_date FROM task_instance"
            " WHERE dag_id = 'tollgate_daily' AND run_id = ? ORDER BY start_date",
            (runs[0][0],),
        ).fetchall()
    return [
        (task, state, tries, dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end))
        for task, state, tries, start, end in rows
    ]


def _traces() -> set[str]:
    """The erased account's identifiers in every normalised form, and its silver pseudonym."""
    forms = {form for value in ERASED.values() for form in normalised_forms(value)}
    forms.add(hmac.new(silver_key(KEY.encode()), ERASED["account_id"].encode(), hashlib.sha256).hexdigest())
    return forms


@pytest.fixture(scope="module")
def dag_run(tmp_path_factory):
    if "TOLLGATE_AIRFLOW" not in os.environ and not AIRFLOW.exists():
        pytest.skip("no Airflow here: `make test-airflow` installs it in .venv-airflow")
    assert AIRFLOW.is_file(), f"no airflow at {AIRFLOW}"
    root = tmp_path_factory.mktemp("airflow")
    build_rights_landing(root / "landing")
    (root / "dags").mkdir()
    shutil.copy(DAG_FILE, root / "dags")  # the file as it is in the repository, alone in its folder
    env = _environment(root)
    log = root / "airflow.log"
    assert _airflow(["db", "migrate"], env, log, MIGRATE_TIMEOUT_S) == 0, _tail(log)
    code = _airflow(["dags", "test", "tollgate_daily", DAY], env, log, DAG_TIMEOUT_S)
    assert code == 0, _tail(log)
    return root


def test_every_task_of_the_dag_ran_once_in_the_order_of_the_stage_list(dag_run):
    instances = _task_instances(dag_run / "airflow" / "airflow.db")
    assert [task for task, *_ in instances] == list(STAGE_NAMES)
    assert {(state, tries) for _, state, tries, _, _ in instances} == {("success", 1)}
    # One after the other: each stage started after the one before it had ended.
    for before, after in itertools.pairwise(instances):
        assert after[3] >= before[4], (before, after)


def test_the_stages_wrote_where_the_dag_was_told(dag_run):
    assert (dag_run / "lake" / "gold").is_dir() and (dag_run / "lake" / "_privacy" / "suppression").is_dir()
    assert list((dag_run / "exports").glob("*/*/*/manifest.json")), "no release was published"
    assert (dag_run / "logs" / f"tollgate-{DAY}.jsonl").stat().st_size > 0


def test_the_erased_account_is_in_no_lake_file_no_release_and_no_log(dag_run):
    # Control: the scan finds the account in the landing folder it was given.
    assert ERASED["email"] in leaked_forms(_traces(), every_byte_and_value(dag_run / "landing"))
    for folder in ("lake", "exports", "logs"):
        assert leaked_forms(_traces(), every_byte_and_value(dag_run / folder)) == [], folder
    # The scan can read the lake: other accounts are still there.
    assert b"acct-000@example.org" in every_byte_and_value(dag_run / "lake")
