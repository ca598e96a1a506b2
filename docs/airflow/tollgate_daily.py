"""Airflow DAG: Tollgate's daily stages in order, one task per stage, with retries.

Copy this file into the DAGs folder of an Airflow 2.7+ or 3.x installation whose workers
can run the project's `.venv/bin/tollgate` (TOLLGATE_HOME in the environment of the
scheduler and workers, default /opt/tollgate). Each run processes one day, `{{ ds }}`: the day that ended just
before the run (a data-interval timetable, so Airflow 2 and 3 agree), at 03:00 UTC so that
late files of the evening have landed. A late file for an older day: clear that day's run
(its tasks re-run that day; every stage replaces exactly its days). A 14-day backfill in
one command, outside Airflow: `tollgate run --from D1 --to D14`.

The HMAC key comes from the key file in TOLLGATE_HOME/conf/tollgate.yaml on the worker, or
from TOLLGATE_HMAC_KEY in the worker's environment; it is never a DAG parameter.
tests/test_schedule.py checks this file without Airflow: order, retries, and that every
command is one the `tollgate` command line accepts.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os

from airflow import DAG
from airflow.timetables.interval import CronDataIntervalTimetable

try:  # Airflow 3: operators live in the standard provider
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:  # Airflow 2
    from airflow.operators.bash import BashOperator

TOLLGATE_HOME = os.environ.get("TOLLGATE_HOME", "/opt/tollgate")
TOLLGATE = f"{TOLLGATE_HOME}/.venv/bin/tollgate"
LOCATIONS = "--landing data/landing --lake data/lake --exports data/exports"
LOG_JSON = "--log-json logs/tollgate-{{ ds }}.jsonl"  # counts, stages and days only
# A manual erasure or a backfill may hold the lake lock: wait for it rather than fail.
WAIT_LOCK = "--wait-lock 1800"

# Stage -> options besides LOCATIONS and LOG_JSON. Export publishes the gold tables as they
# stand (every report week), so it takes no date.
STAGES = {
    "ingest": "--date {{ ds }}",
    "anonymize": "--date {{ ds }}",
    "aggregate": "--date {{ ds }}",
    "export": "",
}

DEFAULT_ARGS = {
    "owner": "tollgate",
    # Exit 1 (a failure, e.g. a lost executor or the lake lock held) is worth retrying;
    # exit 2 (configuration) and 3 (the privacy gate refused) fail the same way again, so
    # the retry only delays the alert by RETRY_DELAY.
    "retries": 2,
    "retry_delay": dt.timedelta(minutes=10),
    "execution_timeout": dt.timedelta(hours=2),
}

with DAG(
    dag_id="tollgate_daily",
    description="landing -> bronze -> silver -> gold -> gated exports, one day per run",
    schedule=CronDataIntervalTimetable("0 3 * * *", timezone="UTC"),
    start_date=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,  # the stages of two days never interleave (the lake lock would wait)
    default_args=DEFAULT_ARGS,
    tags=["tollgate"],
) as dag:
    tasks = [
        BashOperator(
            task_id=stage,
            bash_command=f"{TOLLGATE} {stage} {LOCATIONS} {options} {WAIT_LOCK} {LOG_JSON}",
            cwd=TOLLGATE_HOME,
            append_env=True,
        )
        for stage, options in STAGES.items()
    ]
    for upstream, downstream in itertools.pairwise(tasks):
        upstream >> downstream
