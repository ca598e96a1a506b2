"""Subprocessor extracts, the rules: what the policy's `subprocessors:` section and a
recipient's `role` may say, checked at start-up (exit 2) before any Spark work. The extracts
themselves, as written and gated, are tests/test_extracts.py."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
import yaml

from jobs.commands.cli import main
from jobs.config.policy import load_policy
from jobs.config.recipients import load_recipients
from jobs.config.subprocessors import check_extract_recipients
from jobs.errors import ConfigError
from tests.test_policy import CONF, _policy_with

KEY = "extract-test-key-0123456789abcdef"


def _recipients(path: Path, *entries: dict) -> Path:
    path.write_text(yaml.safe_dump({"recipients": list(entries)}))
    return path


DEV = {
    "name": "devtools",
    "kind": "subprocessor",
    "role": "development",
    "datasets": ["accounts_extract", "cdr_extract"],
}
CARD_US = {
    "name": "payments",
    "kind": "subprocessor",
    "role": "card_processor",
    "datasets": ["billing_extract"],
    "regions": ["us"],
}


def _subprocessors_with(tmp_path: Path, change) -> Path:
    """The shipped policy with `change` applied to its `subprocessors:` section."""
    return _policy_with(tmp_path, lambda data: change(data["subprocessors"]))


def _export(root: Path, recipients: Path, exports: str = "exports", *extra: str) -> int:
    return main(
        [
            "export",
            "--lake",
            str(root / "lake"),
            "--exports",
            str(root / exports),
            "--recipients",
            str(recipients),
            *extra,
        ]
    )


def test_password_for_development_is_exit_2_before_any_work(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("TOLLGATE_HMAC_KEY", KEY)
    policy = _subprocessors_with(tmp_path, lambda s: s["development"]["accounts"].append("password_hash"))
    with caplog.at_level(logging.ERROR, logger="tollgate"):
        code = _export(tmp_path, _recipients(tmp_path / "r.yaml", DEV), "exports", "--policy", str(policy))
    assert code == 2
    assert re.search(r"subprocessors\.development\.accounts\.password_hash \(line \d+\): passwords go", caplog.text)
    assert not (tmp_path / "exports").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.update(dba={"accounts": ["plan"]}), "subprocessors.dba: unknown role"),
        (lambda s: s["crm"].update(tickets=["id"]), "subprocessors.crm.tickets: unknown source"),
        (lambda s: s["crm"]["accounts"].append("shoe_size"), "crm.accounts.shoe_size: accounts has no such column"),
        (
            lambda s: s["hosting"].update(billing=["amount"]),
            "hosting.billing: billing data goes to the card processor only",
        ),
        (
            lambda s: s["telecom_carrier"].update(accounts=["plan"]),
            "telecom_carrier.accounts: the policy's telecom_carrier row does not cover accounts",
        ),
        (lambda s: s["card_processor"]["billing"].append("card_number"), "billing: must be a non-empty list of"),
        (lambda s: s["analytics"]["cdr"].append("notes"), "analytics.cdr.notes: free text never leaves bronze"),
        (lambda s: s["crm"].update(in_clear=["leg_id"]), "crm.in_clear: must list identifiers"),
        (lambda s: s["card_processor"].update(accounts=["password_hash"]), "accounts: the policy's card_processor"),
        (
            lambda s: s["hosting"]["accounts"].append("password_hash"),
            "hosting.accounts.password_hash: passwords go to no",
        ),
    ],
)
def test_subprocessor_policy_mistakes_are_configuration_errors(tmp_path, change, message):
    # "<key path> (line N): <problem>": the policy's errors name the line of the key.
    with pytest.raises(ConfigError, match=re.escape(message).replace(":", r" \(line \d+\):", 1)):
        load_policy(_subprocessors_with(tmp_path, change))


def test_only_the_card_processor_holds_card_columns():
    rules = load_policy(CONF / "privacy-policy.yaml").subprocessors
    holding_cards = {r for r, rule in rules.items() for cols in rule.sources.values() if "card_number" in cols}
    assert holding_cards == {"card_processor"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"kind": "subprocessor", "datasets": ["cdr_extract"]}, "role is required for a subprocessor"),
        ({"kind": "research", "role": "crm", "datasets": ["daily_usage"]}, "role is required for a subprocessor"),
        ({"kind": "research", "datasets": ["cdr_extract"]}, "unknown dataset(s) ['cdr_extract']"),
        ({"kind": "subprocessor", "role": "dba", "datasets": ["cdr_extract"]}, "recipients.0.role"),
    ],
)
def test_recipient_roles_are_validated(tmp_path, entry, message):
    path = _recipients(tmp_path / "r.yaml", {"name": "sub", **entry})
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_recipients(path, k_floor=5)


def test_recipient_asking_for_an_extract_its_role_does_not_cover_is_refused(tmp_path):
    rules = load_policy(CONF / "privacy-policy.yaml").subprocessors
    carrier = load_recipients(
        _recipients(
            tmp_path / "r.yaml",
            {"name": "telco", "kind": "subprocessor", "role": "telecom_carrier", "datasets": ["accounts_extract"]},
        ),
        5,
    )
    with pytest.raises(ConfigError, match=r"subprocessors\.telecom_carrier allows no accounts columns"):
        check_extract_recipients(rules, carrier.values())


def test_shipped_subprocessor_examples_are_valid(tmp_path):
    text = (CONF / "recipients.yaml").read_text()
    block = text.split("# --- subprocessor examples ---\n")[1].split("  # --- end")[0]
    examples = "recipients:\n" + "".join(line.replace("  # ", "  ", 1) + "\n" for line in block.splitlines())
    recipients = load_recipients(_recipients(tmp_path / "r.yaml", *yaml.safe_load(examples)["recipients"]), 5)
    assert {r.role for r in recipients.values()} == {"development", "card_processor"}
    check_extract_recipients(load_policy(CONF / "privacy-policy.yaml").subprocessors, recipients.values())


def test_a_bad_subprocessors_section_stops_run_before_any_work(tmp_path, monkeypatch):
    monkeypatch.setenv("TOLLGATE_HMAC_KEY", KEY)
    path = _subprocessors_with(tmp_path, lambda s: s["analytics"]["cdr"].append("card_number"))
    locations = [f"--{name}={tmp_path / name}" for name in ("landing", "lake", "exports")]
    assert main(["run", *locations, "--policy", str(path)]) == 2
    assert not (tmp_path / "exports").exists() and not (tmp_path / "lake" / "bronze").exists()
