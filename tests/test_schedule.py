"""The scheduling examples (docs/airflow, docs/cron) run the daily stages in order, with
retries, and every command they run is one the `tollgate` command line accepts.

Airflow is not installed here: the DAG file is parsed with `ast` and then executed against
stand-ins for the few Airflow names it uses. The cron script runs with a stand-in tollgate.
"""

from __future__ import annotations

import ast
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

DAG_FILE = PROJECT_ROOT / "docs" / "airflow" / "tollgate_daily.py"
CRON_FILE = PROJECT_ROOT / "docs" / "cron" / "tollgate.cron"
CRON_SCRIPT = PROJECT_ROOT / "docs" / "cron" / "tollgate-daily.sh"
STAGES = ["ingest", "anonymize", "aggregate", "export"]
DAY = "2026-11-02"


class _Operator:
    def __init__(self, task_id: str, **kwargs):
        self.task_id, self.kwargs, self.downstream = task_id, kwargs, []
        _Dag.current.tasks.append(self)

    def __rshift__(self, other: _Operator) -> _Operator:
        self.downstream.append(other)
        return other


class _Dag:
    current: _Dag

    def __init__(self, dag_id: str, **kwargs):
        self.dag_id, self.kwargs, self.tasks = dag_id, kwargs, []

    def __enter__(self):
        _Dag.current = self
        return self

    def __exit__(self, *exc):
        return False


def _load_dag(monkeypatch) -> _Dag:
    stand_ins = {
        "airflow": {"DAG": _Dag},
        "airflow.timetables": {},
        "airflow.timetables.interval": {"CronDataIntervalTimetable": lambda cron, timezone: (cron, timezone)},
        "airflow.providers": {},
        "airflow.providers.standard": {},
        "airflow.providers.standard.operators": {},
        "airflow.providers.standard.operators.bash": {"BashOperator": _Operator},
    }
    for name, attributes in stand_ins.items():
        monkeypatch.setitem(sys.modules, name, types.SimpleNamespace(**attributes))
    monkeypatch.delenv("TOLLGATE_HOME", raising=False)
    namespace: dict = {"__name__": "tollgate_daily"}
    exec(compile(DAG_FILE.read_text(), str(DAG_FILE), "exec"), namespace)
    return namespace["dag"]


def _render(template: str) -> str:
    rendered = template.replace("{{ ds }}", DAY)
    assert "{{" not in rendered and "{%" not in rendered, f"unrendered template left: {rendered}"
    return rendered


def _parse_command(argv: list[str]):
    """The tollgate command line's own parser; exits (SystemExit) on an unknown option."""
    assert Path(argv[0]).name == "tollgate", argv
    return build_parser().parse_args(argv[1:])


def test_dag_file_imports_only_airflow_and_the_standard_library():
    tree = ast.parse(DAG_FILE.read_text(), filename=str(DAG_FILE))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert {"airflow.providers.standard.operators.bash", "airflow.operators.bash", "airflow"} <= imported
    assert all(name.split(".")[0] in {"airflow", "datetime", "os", "__future__"} for name in imported), imported


def test_dag_runs_the_four_stages_in_order_with_retries(monkeypatch):
    dag = _load_dag(monkeypatch)
    assert dag.dag_id == "tollgate_daily" and dag.kwargs["max_active_runs"] == 1
    assert dag.kwargs["schedule"] == ("0 3 * * *", "UTC")
    assert [task.task_id for task in dag.tasks] == STAGES
    # A chain: each stage has exactly the next one downstream, the last none.
    assert [[d.task_id for d in task.downstream] for task in dag.tasks] == [[s] for s in STAGES[1:]] + [[]]
    assert dag.kwargs["default_args"]["retries"] >= 1
    assert dag.kwargs["default_args"]["retry_delay"].total_seconds() > 0


def test_every_dag_command_is_a_tollgate_command_the_cli_accepts(monkeypatch):
    dag = _load_dag(monkeypatch)
    for task in dag.tasks:
        assert task.kwargs["cwd"] == "/opt/tollgate"
        args = _parse_command(shlex.split(_render(task.kwargs["bash_command"])))
        assert args.command == task.task_id
        assert args.lake == Path("data/lake") and args.log_json == Path(f"logs/tollgate-{DAY}.jsonl")
        assert args.wait_lock > 0
        if task.task_id != "export":
            assert str(args.date) == DAY


def test_cron_file_runs_the_daily_script_at_three_utc():
    jobs, settings = [], {}
    for line in CRON_FILE.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if "=" in line.split()[0]:
            name, _, value = line.partition("=")
            settings[name] = value
            continue
        fields = line.split(maxsplit=6)
        jobs.append((" ".join(fields[:5]), fields[5], fields[6]))
    assert settings["CRON_TZ"] == "UTC" and settings["SHELL"] == "/bin/bash"
    assert len(jobs) == 1
    schedule, user, command = jobs[0]
    assert (schedule, user) == ("0 3 * * *", "tollgate")
    script = next(word for word in shlex.split(command) if word.endswith(".sh"))
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


def _run_script(tmp_path: Path, **failures: str) -> tuple[int, list[list[str]]]:
    stand_in = tmp_path / "tollgate"
    stand_in.write_text(STAND_IN.format(python=sys.executable))
    stand_in.chmod(0o755)
    calls = tmp_path / "calls.jsonl"
    env = {
        "PATH": os.environ["PATH"],
        "TOLLGATE_HOME": str(tmp_path),
        "TOLLGATE": str(stand_in),
        "RETRY_DELAY": "0",
        "CALLS": str(calls),
        **{f"FAIL_{k.upper()}": v for k, v in failures.items()},
    }
    code = subprocess.run([str(CRON_SCRIPT), DAY], env=env, timeout=60).returncode
    return code, [json.loads(line) for line in calls.read_text().splitlines()]


def test_cron_script_runs_the_stages_in_order_and_retries_a_failure(tmp_path):
    code, calls = _run_script(tmp_path, anonymize="1")
    assert code == 0
    assert [argv[1] for argv in calls] == ["ingest", "anonymize", "anonymize", "aggregate", "export"]
    for argv in calls:
        args = _parse_command(argv)
        assert args.log_json == Path(f"logs/tollgate-{DAY}.jsonl") and args.wait_lock > 0
        if args.command != "export":
            assert str(args.date) == DAY


@pytest.mark.parametrize(
    ("failure", "expected_calls"),
    [
        ("3", ["ingest", "anonymize", "aggregate"]),  # the gate refused: no retry, no export
        ("1:always", ["ingest", "anonymize", "aggregate", "aggregate", "aggregate"]),  # retries, then stop
    ],
)
def test_cron_script_stops_at_a_stage_that_keeps_failing(tmp_path, failure, expected_calls):
    code, calls = _run_script(tmp_path, aggregate=failure)
    assert code == int(failure.split(":")[0])
    assert [argv[1] for argv in calls] == expected_calls
