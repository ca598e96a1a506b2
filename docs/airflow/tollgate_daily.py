"""Airflow DAG: Tollgate's daily stages, one task per stage, in the order `tollgate run` runs them.

The stages are not listed here: they are read from the one stage list of the installation,
TOLLGATE_HOME/jobs/pipeline/stages.py (standard library only, so Airflow's own environment
reads it without Spark), erasure and vacuum included. A TOLLGATE_HOME without it is an import
error of this DAG, never a DAG with no tasks.

Copy this file into the DAGs folder of an Airflow 2.7+ or 3.x installation whose workers can
run the project's `.venv/bin/tollgate` (TOLLGATE_HOME in the environment of the scheduler,
DAG processor and workers, default /opt/tollgate). Each run processes one day, `{{ ds }}`: the
day that ended just before the run (a data-interval timetable, so Airflow 2 and 3 agree), at
03:00 UTC so that late files of the evening have landed. A late file for an older day: clear
that day's run (its tasks re-run that day; every stage replaces exactly its days). A 14-day
backfill in one command, outside Airflow: `tollgate run --from D1 --to D14`.

Where the data lives: TOLLGATE_LANDING, TOLLGATE_LAKE, TOLLGATE_EXPORTS and TOLLGATE_LOGS
(defaults data/landing, data/lake, data/exports and logs, relative to TOLLGATE_HOME). The HMAC
key comes from the key file in TOLLGATE_HOME/conf/tollgate.yaml on the worker, or from
TOLLGATE_HMAC_KEY in the worker's environment; it is never a DAG parameter.

tests/test_schedule.py checks this file without Airflow (tasks, order, commands, exit codes);
tests/test_airflow.py (`make test-airflow`) runs it in a real Airflow on a small landing folder.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import itertools
import os
import shlex
import sys
from pathlib import Path

from airflow import DAG
from airflow.timetables.interval import CronDataIntervalTimetable

try:  # Airflow 3: operators live in the standard provider, exceptions in the task SDK
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk.exceptions import AirflowFailException
except ImportError:  # Airflow 2
    from airflow.exceptions import AirflowFailException
    from airflow.operators.bash import BashOperator

TOLLGATE_HOME = os.environ.get("TOLLGATE_HOME", "/opt/tollgate")
TOLLGATE = f"{TOLLGATE_HOME}/.venv/bin/tollgate"
LOCATIONS = [
    *("--landing", os.environ.get("TOLLGATE_LANDING", "data/landing")),
    *("--lake", os.environ.get("TOLLGATE_LAKE", "data/lake")),
    *("--exports", os.environ.get("TOLLGATE_EXPORTS", "data/exports")),
]
LOG_JSON = ["--log-json", f"{os.environ.get('TOLLGATE_LOGS', 'logs')}/tollgate-{{{{ ds }}}}.jsonl"]  # counts only
# A manual erasure or a backfill may hold the lake lock: wait for it rather than fail.
WAIT_LOCK = ["--wait-lock", "1800"]
# Exit 2 (bad configuration) and 3 (the privacy gate refused) fail the same way again.
NO_RETRY_EXIT_CODES = frozenset({2, 3})


def _stage_list(home: str) -> tuple:
    """STAGES of home/jobs/pipeline/stages.py, loaded from that file (not from whatever
    `jobs` package the scheduler's sys.path may hold)."""
    path = Path(home, "jobs", "pipeline", "stages.py")
    spec = importlib.util.spec_from_file_location("tollgate_stages", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their annotations through it
    spec.loader.exec_module(module)
    return module.STAGES


STAGES = _stage_list(TOLLGATE_HOME)


class TollgateStage(BashOperator):
    """One `tollgate` stage. Exit 1 (a failure, e.g. a lost executor) is retried; exit 2 or 3
    fails the task at once, without its retries, as docs/cron/tollgate-daily.sh stops."""

    def execute(self, context):
        try:
            return super().execute(context)
        except Exception:
            process = self.subprocess_hook.sub_process  # the bash that ran tollgate
            code = None if process is None else process.returncode
            if code in NO_RETRY_EXIT_CODES:
                raise AirflowFailException(f"tollgate exited {code}: a retry would fail the same way") from None
            raise


DEFAULT_ARGS = {
    "owner": "tollgate",
    # For exit 1 only (TollgateStage). TOLLGATE_RETRIES=0 makes a test fail at the first error.
    "retries": int(os.environ.get("TOLLGATE_RETRIES", "2")),
    "retry_delay": dt.timedelta(minutes=10),
    "execution_timeout": dt.timedelta(hours=2),
}

with DAG(
    dag_id="tollgate_daily",
    description="landing -> bronze -> erasure -> silver -> gold -> vacuum -> gated exports, one day per run",
    schedule=CronDataIntervalTimetable("0 3 * * *", timezone="UTC"),
    start_date=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,  # the stages of two days never interleave (the lake lock would wait)
    default_args=DEFAULT_ARGS,
    tags=["tollgate"],
) as dag:
    tasks = [
        TollgateStage(
            task_id=stage.name,
            doc=stage.does,
            # stage.command: the stage's own arguments, `--date {{ ds }}` for a dated stage.
            bash_command=shlex.join([TOLLGATE, *stage.command("{{ ds }}"), *LOCATIONS, *WAIT_LOCK, *LOG_JSON]),
            cwd=TOLLGATE_HOME,
            append_env=True,
        )
        for stage in STAGES
    ]
    for upstream, downstream in itertools.pairwise(tasks):
        upstream >> downstream
