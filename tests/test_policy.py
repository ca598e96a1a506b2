"""The policy file: validated at start-up, fail closed for what it does not classify."""

import hashlib
from pathlib import Path

import pytest
import yaml

from jobs.commands.cli import main
from jobs.config.policy import RETENTION_TABLES, SOURCE_COLUMNS, load_policy
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
        (lambda d: d["small_cells"].update(k=3), r"small_cells\.k \(line \d+\): k 3 is below the floor 5"),
        (lambda d: d["small_cells"].update(k_floor=2, k=2), r"small_cells\.k_floor \(line \d+\): k_floor 2 is below 5"),
        (
            lambda d: d["sources"]["cdr"].update(partcipant_name={"class": "safe", "treatment": "drop"}),
            r"sources\.cdr\.partcipant_name \(line \d+\): cdr has no such column",
        ),
        (lambda d: d["sources"]["cdr"]["mos"].update(treatment="kepp"), "treatment 'kepp' is not"),
        (lambda d: d["sources"]["cdr"]["mos"].update({"class": "safe-ish"}), "class 'safe-ish' is not one of"),
        (lambda d: d["sources"]["cdr"]["notes"].update(treatment="keep"), "free text never leaves bronze"),
        (lambda d: d["sources"]["cdr"]["ip_address"].update(treatment="keep"), "a direct identifier cannot be kept"),
        (
            lambda d: d["sources"]["cdr"]["mos"].update(treatment="generalize:user_agent"),
            "cannot generalize mos with 'user_agent'",
        ),
        (lambda d: d["sources"]["cdr"]["mos"].update(treatment="keep:"), "treatment 'keep:' is not"),
        (lambda d: d["sources"]["cdr"]["mos"].update(note="x"), "must have exactly the keys class and treatment"),
        (lambda d: d.update(source={}), r"source \(line \d+\): Extra inputs are not permitted"),
        (lambda d: d.pop("small_cells"), r"small_cells: missing the section \(k, k_floor\)"),
    ],
)
def test_policy_mistakes_are_clear_configuration_errors(tmp_path, change, message):
    with pytest.raises(ConfigError, match=message):
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


def _shipped_with(tmp_path: Path, *changes: tuple[str, str]) -> tuple[Path, list[int]]:
    """The shipped policy with some text changed (`old`, `new`), and the line of each change:
    comments and layout kept, so the line an error names is the line an officer would edit."""
    text = shipped = (CONF / "privacy-policy.yaml").read_text()
    for old, new in changes:
        assert shipped.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path, [shipped[: shipped.index(old.lstrip("\n"))].count("\n") + 1 for old, _ in changes]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "mos:               {class: operational,",
            "mos:               {class: operatonal,",
            "sources.cdr.mos.class (line {line}): class 'operatonal' is not one of direct_identifier,",
        ),
        (
            "rating:            {class: sensitive,         treatment: keep}",
            "rating:            {class: sensitive,         treatment: kept}",
            "sources.cdr.rating.treatment (line {line}): treatment 'kept' is not drop, pseudonymize, keep or",
        ),
        ("\n  usage_log:\n", "\n  web_log:\n", "sources.web_log (line {line}): unknown source (known: cdr, usage_log,"),
        (
            "silver.cdr_legs: 395",
            "silver.cdr_legs: 0",
            "retention.silver.cdr_legs (line {line}): the window must be a whole number of days, at least 1",
        ),
        (
            "accounts: [account_id, country, region, timezone, plan, created_at]\n",
            "accounts: [account_id, country, region, timezone, plan, created_at, password_hash]\n",
            "subprocessors.development.accounts.password_hash (line {line}): passwords go to no subprocessor",
        ),
    ],
)
def test_policy_errors_name_the_key_and_its_line(tmp_path, old, new, message):
    path, (line,) = _shipped_with(tmp_path, (old, new))
    with pytest.raises(ConfigError) as raised:
        load_policy(path)
    assert str(raised.value).startswith(f"privacy policy {path}: ")
    assert message.format(line=line) in str(raised.value)


def test_every_broken_section_is_named_at_once(tmp_path):
    path, (window, rating) = _shipped_with(
        tmp_path,
        ("silver.cdr_legs: 395", "silver.cdr_legs: 395.5"),
        ("rating:            {class: sensitive,", "rating:            {class: sensitve,"),
    )
    with pytest.raises(ConfigError) as raised:
        load_policy(path)
    assert f"retention.silver.cdr_legs (line {window}): the window must be" in str(raised.value)
    assert f"sources.cdr.rating.class (line {rating}): class 'sensitve'" in str(raised.value)


def test_policy_sha256_is_of_the_bytes_read():
    path = CONF / "privacy-policy.yaml"
    policy = load_policy(path)
    assert policy.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert policy.path == path
    assert list(policy.retention) == list(RETENTION_TABLES)
    assert policy.subprocessors["card_processor"].role == "card_processor"
    assert policy.subprocessors["card_processor"].may_hold_cards
    assert policy.quasi_identifiers("cdr", ["account_id", "country", "user_agent"]) == ["country", "user_agent"]
