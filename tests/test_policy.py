"""The policy file: validated at start-up, fail closed for what it does not classify."""

from pathlib import Path

import pytest
import yaml

from jobs.commands.cli import main
from jobs.config.policy import SOURCE_COLUMNS, load_policy
from jobs.config.recipients import load_recipients
from jobs.errors import ConfigError

CONF = Path(__file__).resolve().parents[1] / "conf"


def _policy_with(tmp_path: Path, change) -> Path:
    data = yaml.safe_load((CONF / "privacy-policy.yaml").read_text())
    change(data)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_shipped_policy_classifies_every_known_column():
    policy = load_policy(CONF / "privacy-policy.yaml")
    for source in SOURCE_COLUMNS:
        assert policy.unclassified(source) == [], source
    assert policy.treatments("cdr")["notes"] == "drop"
    assert policy.treatments("cdr")["account_id"] == "pseudonymize"


def test_unlisted_column_is_dropped_and_reported(tmp_path):
    path = _policy_with(tmp_path, lambda d: d["sources"]["cdr"].pop("country"))
    policy = load_policy(path)
    assert policy.unclassified("cdr") == ["country"]
    assert policy.treatments("cdr")["country"] == "drop"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["small_cells"].update(k=3), "small_cells.k 3 is below the floor 5"),
        (lambda d: d["small_cells"].update(k_floor=2, k=2), "k_floor 2 is below 5"),
        (
            lambda d: d["sources"]["cdr"].update(partcipant_name={"class": "safe", "treatment": "drop"}),
            "sources.cdr.partcipant_name: cdr has no such column",
        ),
        (lambda d: d["sources"]["cdr"]["mos"].update(treatment="kepp"), "treatment 'kepp' is not"),
        (lambda d: d["sources"]["cdr"]["mos"].update({"class": "safe-ish"}), "class 'safe-ish' is not one of"),
        (lambda d: d["sources"]["cdr"]["notes"].update(treatment="keep"), "free text never leaves bronze"),
        (lambda d: d["sources"]["cdr"]["ip_address"].update(treatment="keep"), "a direct identifier cannot be kept"),
        (
            lambda d: d["sources"]["cdr"]["mos"].update(treatment="generalize:user_agent"),
            "cannot generalize mos with 'user_agent'",
        ),
    ],
)
def test_policy_mistakes_are_clear_configuration_errors(tmp_path, change, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_policy(_policy_with(tmp_path, change))


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text("small_cells:\n  k: 10\n  k_floor: [5\n")
    with pytest.raises(ConfigError, match="line"):
        load_policy(path)


def test_k_below_floor_exits_2_before_any_work(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TOLLGATE_HMAC_KEY", "policy-test-key-0123456789abcdef")
    path = _policy_with(tmp_path, lambda d: d["small_cells"].update(k=4))
    code = main(
        [
            "run",
            "--landing",
            str(tmp_path / "landing"),
            "--lake",
            str(tmp_path / "lake"),
            "--exports",
            str(tmp_path / "exports"),
            "--policy",
            str(path),
        ]
    )
    assert code == 2
    assert not (tmp_path / "lake").exists()


def test_recipient_k_override_below_floor_is_refused(tmp_path):
    path = tmp_path / "recipients.yaml"
    path.write_text("recipients:\n  - {name: acme, kind: sale, datasets: [usage_by_time_of_day], k: 3}\n")
    with pytest.raises(ConfigError, match="k 3 below the floor 5"):
        load_recipients(path, k_floor=5)


@pytest.mark.parametrize("name", ["../escape", "a/b", "", "UPPER", ".hidden"])
def test_recipient_names_must_be_safe_folder_names(tmp_path, name):
    path = tmp_path / "recipients.yaml"
    path.write_text(
        yaml.safe_dump({"recipients": [{"name": name, "kind": "research", "datasets": ["usage_by_time_of_day"]}]})
    )
    with pytest.raises(ConfigError, match=r"recipients\.0\.name"):
        load_recipients(path, k_floor=5)


def test_recipients_error_names_the_line(tmp_path):
    path = tmp_path / "recipients.yaml"
    path.write_text(
        "recipients:\n  - name: ok-one\n    kind: research\n    datasets: [daily_usage]\n"
        "  - name: two\n    kind: selling\n    datasets: [daily_usage]\n"
    )
    with pytest.raises(ConfigError, match=r"recipients\.1\.kind \(line 6\)"):
        load_recipients(path, k_floor=5)


def test_settings_errors_name_the_line(tmp_path):
    from jobs.config.settings import load_settings

    path = tmp_path / "tollgate.yaml"
    path.write_text(
        "hmac_key_file: k\ntelephony:\n  pbx:\n    format: asterisk\n    timezone: Mars/Olympus\n"
        "    account_id: a\n    region: ie\n    country: IE\n"
    )
    with pytest.raises(ConfigError, match=r"telephony\.pbx\.timezone \(line 5\): .*unknown IANA time zone"):
        load_settings(path)
