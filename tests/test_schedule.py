"""The scheduling examples (docs/airflow, docs/cron) run the one stage list of
jobs/pipeline/stages.py (what `tollgate run` runs) in its order, with commands the `tollgate`
command line's own parser accepts. Airflow is not installed here: the DAG file runs against
stand-ins for the few Airflow names it uses (`make test-airflow` runs it in a real Airflow,
tests/test_airflow.py). The cron script runs the real stage list with a stand-in tollgate,
which also plays the failures (exit 1, 2, 3) that a real run cannot be made to produce.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import shlex
import subprocess
import sys
import types
from pathlib import Path

import pytest

from jobs.commands.cli import build_parser
from jobs.lake.session import PROJECT_ROOT
from jobs.pipeline.stages import STAGE_NAMES, STAGES

DAG_FILE = PROJECT_ROOT / "docs" / "airflow" / "tollgate_daily.py"
CRON_FILE = PROJECT_ROOT / "docs" / "cron" / "tollgate.cron"
CRON_SCRIPT = PROJECT_ROOT / "docs" / "cron" / "tollgate-daily.sh"
DAY = "2026-11-02"
# Where the data is (environment variable -> the scheduled commands' default).
DEFAULT_WHERE = {f"TOLLGATE_{name.upper()}": f"data/{name}" for name in ("landing", "lake", "exports")}
DEFAULT_WHERE["TOLLGATE_LOGS"] = "logs"


class _Failed(Exception):
    """airflow's AirflowException: the task failed, and is retried."""


class _FailedForGood(_Failed):
    """airflow's AirflowFailException: the task failed, and is not retried."""


class _BashOperator:
    """A task of the current DAG, `>>`, and an execute() whose bash exits with `exit_code`."""

    exit_code = 0

    def __init__(self, task_id: str, **kwargs):
        self.task_id, self.kwargs, self.downstream = task_id, kwargs, []
        _Dag.current.tasks.append(self)

    def __rshift__(self, other: _BashOperator) -> _BashOperator:
        self.downstream.append(other)
        return other

    def execute(self, context):
        self.subprocess_hook = types.SimpleNamespace(sub_process=types.SimpleNamespace(returncode=self.exit_code))
        if self.exit_code:
            raise _Failed(f"Bash command failed. The command returned a non-zero exit code {self.exit_code}.")
        return "done"


class _Dag:
    current: _Dag

    def __init__(self, dag_id: str, **kwargs):
        self.dag_id, self.kwargs, self.tasks = dag_id, kwargs, []

    def __enter__(self):
        _Dag.current = self
        return self

    def __exit__(self, *exc):
        return False


def _load_dag(monkeypatch, home: Path = PROJECT_ROOT, **environment: str) -> dict:
    """The DAG file's namespace, run with TOLLGATE_HOME=home and `environment`."""
    stand_ins = {
        "airflow": {"DAG": _Dag},
        "airflow.timetables": {},
        "airflow.timetables.interval": {"CronDataIntervalTimetable": lambda cron, timezone: (cron, timezone)},
        "airflow.providers": {},
        "airflow.providers.standard": {},
        "airflow.providers.standard.operators": {},
        "airflow.providers.standard.operators.bash": {"BashOperator": _BashOperator},
        "airflow.sdk": {},
        "airflow.sdk.exceptions": {"AirflowFailException": _FailedForGood},
    }
    for name, attributes in stand_ins.items():
        monkeypatch.setitem(sys.modules, name, types.SimpleNamespace(**attributes))
    # The DAG registers its load of the stage list as sys.modules["tollgate_stages"]; undone after.
    monkeypatch.setitem(sys.modules, "tollgate_stages", None)
    for name in ("TOLLGATE_RETRIES", *DEFAULT_WHERE):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"TOLLGATE_HOME": str(home), **environment}.items():
        monkeypatch.setenv(name, value)
    namespace: dict = {"__name__": "tollgate_daily"}
    exec(compile(DAG_FILE.read_text(), str(DAG_FILE), "exec"), namespace)
    return namespace


def _render(template: str) -> str:
    rendered = template.replace("{{ ds }}", DAY)
    assert "{{" not in rendered and "{%" not in rendered, f"unrendered template left: {rendered}"
    return rendered


def _check_command(argv: list[str], stage, where: dict[str, str] = DEFAULT_WHERE) -> None:
    """argv runs `stage` alone for DAY, with the locations `where` says and the options every
    scheduled stage has; the CLI's own parser accepts it (SystemExit on an unknown option)."""
    assert Path(argv[0]).name == "tollgate", argv
    assert argv[1 : 1 + len(stage.command(DAY))] == stage.command(DAY)
    args = build_parser().parse_args(argv[1:])
    assert args.command == stage.name and args.wait_lock > 0
    assert [args.landing, args.lake, args.exports, args.log_json] == [
        *(Path(where[name]) for name in ("TOLLGATE_LANDING", "TOLLGATE_LAKE", "TOLLGATE_EXPORTS")),
        Path(where["TOLLGATE_LOGS"], f"tollgate-{DAY}.jsonl"),
    ]
    assert getattr(args, "date", None) == (dt.date.fromisoformat(DAY) if stage.dated else None)


def test_dag_file_imports_only_airflow_and_the_standard_library_and_lists_no_stage():
    tree = ast.parse(DAG_FILE.read_text(), filename=str(DAG_FILE))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert {"airflow.providers.standard.operators.bash", "airflow.operators.bash", "airflow"} <= imported
    assert all(name.split(".")[0] in {"airflow", *sys.stdlib_module_names} for name in imported), imported
    # No copy of the stage list: no stage is named in the file, it comes from jobs/pipeline/stages.py.
    strings = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert not strings & set(STAGE_NAMES)


def test_dag_runs_the_one_stage_list_in_order_with_retries(monkeypatch):
    dag = _load_dag(monkeypatch)["dag"]
    assert dag.dag_id == "tollgate_daily" and dag.kwargs["max_active_runs"] == 1
    assert dag.kwargs["schedule"] == ("0 3 * * *", "UTC")
    assert [task.task_id for task in dag.tasks] == list(STAGE_NAMES)
    assert {"erase", "vacuum"} <= set(STAGE_NAMES)
    # A chain: each stage has exactly the next one downstream, the last none.
    assert [[d.task_id for d in task.downstream] for task in dag.tasks] == [[s] for s in STAGE_NAMES[1:]] + [[]]
    assert dag.kwargs["default_args"]["retries"] >= 1
    assert dag.kwargs["default_args"]["retry_delay"].total_seconds() > 0


def test_every_dag_command_is_its_stage_and_a_command_the_cli_accepts(monkeypatch):
    dag = _load_dag(monkeypatch)["dag"]
    for task, stage in zip(dag.tasks, STAGES, strict=True):
        assert task.kwargs["cwd"] == str(PROJECT_ROOT)
        argv = shlex.split(_render(task.kwargs["bash_command"]))
        assert argv[0] == f"{PROJECT_ROOT}/.venv/bin/tollgate"
        _check_command(argv, stage)


def test_dag_takes_its_locations_and_retries_from_the_environment(monkeypatch, tmp_path):
    where = {name: str(tmp_path / f"{name.lower()} with a space") for name in DEFAULT_WHERE}
    dag = _load_dag(monkeypatch, TOLLGATE_RETRIES="0", **where)["dag"]
    assert dag.kwargs["default_args"]["retries"] == 0
    for task, stage in zip(dag.tasks, STAGES, strict=True):
        _check_command(shlex.split(_render(task.kwargs["bash_command"])), stage, where)


def test_dag_without_the_stage_list_fails_to_load(monkeypatch, tmp_path):
    # An import error shown by Airflow, never a DAG with no tasks.
    with pytest.raises(FileNotFoundError):
        _load_dag(monkeypatch, home=tmp_path)


@pytest.mark.parametrize(("exit_code", "raised"), [(1, _Failed), (2, _FailedForGood), (3, _FailedForGood)])
def test_a_failed_dag_task_is_retried_on_exit_1_only(monkeypatch, exit_code, raised):
    task = _load_dag(monkeypatch)["dag"].tasks[0]
    monkeypatch.setattr(_BashOperator, "exit_code", exit_code)
    with pytest.raises(_Failed) as failure:
        task.execute({})
    assert type(failure.value) is raised


def test_cron_file_runs_the_daily_script_at_three_utc():
    lines = [line for line in CRON_FILE.read_text().splitlines() if line.strip() and not line.startswith("#")]
    settings = dict(line.split("=", 1) for line in lines if "=" in line.split()[0])
    jobs = [line.split(maxsplit=6) for line in lines if "=" not in line.split()[0]]
    assert settings["CRON_TZ"] == "UTC" and settings["SHELL"] == "/bin/bash"
    assert len(jobs) == 1 and jobs[0][:6] == ["0", "3", "*", "*", "*", "tollgate"]  # 03:00, as user tollgate
    script = next(word for word in shlex.split(jobs[0][6]) if word.endswith(".sh"))
    home = settings["TOLLGATE_HOME"]
    # The script it names is the one in this repository, at the same place under TOLLGATE_HOME.
    assert Path(script).relative_to(home) == CRON_SCRIPT.relative_to(PROJECT_ROOT)
    assert os.access(CRON_SCRIPT, os.X_OK)


STAND_IN = """#!{python}
import json, os, sys
with open(os.environ["CALLS"], "a") as log:
    log.write(json.dumps(sys.argv) + "\\n")
stage = sys.argv[1]
failures = os.environ.get("FAIL_" + stage.upper(), "")
done = os.environ["CALLS"] + "." + stage
if failures and not os.path.exists(done):
    code, _, again = failures.partition(":")
    if again != "always":
        open(done, "w").close()
    sys.exit(int(code))
"""


def _run_script(tmp_path: Path, home: Path = PROJECT_ROOT, where: dict | None = None, **failures: str):
    """(exit code, tollgate calls) of the cron script with TOLLGATE_HOME=home (its stage list,
    its .venv/bin/python) and a stand-in tollgate that fails as `failures` say."""
    stand_in = tmp_path / "tollgate"
    stand_in.write_text(STAND_IN.format(python=sys.executable))
    stand_in.chmod(0o755)
    calls = tmp_path / "calls.jsonl"
    calls.touch()
    env = {
        "PATH": os.environ["PATH"],
        "TOLLGATE_HOME": str(home),
        "TOLLGATE": str(stand_in),
        "RETRY_DELAY": "0",
        "CALLS": str(calls),
        **(where or {}),
        **{f"FAIL_{k.upper()}": v for k, v in failures.items()},
    }
    code = subprocess.run([str(CRON_SCRIPT), DAY], env=env, timeout=60).returncode
    return code, [json.loads(line) for line in calls.read_text().splitlines()]


@pytest.mark.parametrize("where", [DEFAULT_WHERE, {name: f"/srv/{name.lower()} 2" for name in DEFAULT_WHERE}])
def test_cron_script_runs_the_one_stage_list_and_retries_a_failure(tmp_path, where):
    code, calls = _run_script(tmp_path, where=where if where is not DEFAULT_WHERE else None, anonymize="1")
    assert code == 0
    assert [argv[1] for argv in calls] == [name for name in STAGE_NAMES for _ in range(1 + (name == "anonymize"))]
    for argv in calls:
        _check_command(argv, STAGES[STAGE_NAMES.index(argv[1])], where)


# The gate refused (3) or bad configuration (2): no retry, nothing after; a failure (1): two retries.
@pytest.mark.parametrize(("failure", "attempts"), [("3", 1), ("2", 1), ("1:always", 3)])
def test_cron_script_stops_at_a_stage_that_keeps_failing(tmp_path, failure, attempts):
    code, calls = _run_script(tmp_path, aggregate=failure)
    assert code == int(failure.split(":")[0])
    before = list(STAGE_NAMES[: STAGE_NAMES.index("aggregate")])
    assert [argv[1] for argv in calls] == before + ["aggregate"] * attempts


def test_cron_script_without_the_stage_list_runs_nothing(tmp_path):
    code, calls = _run_script(tmp_path, home=tmp_path)
    assert (code, calls) == (2, [])
