"""A small demo run end to end: what it prints and logs holds none of the landing's personal values."""

import csv
import json
import logging

from jobs.commands.cli import main


def _personal_values(landing) -> set[str]:
    values = set()
    for path in landing.glob("cdr/date=*/*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            for field in ("participant_name", "participant_email", "caller_number", "ip_address"):
                if isinstance(record.get(field), str) and len(record[field]) >= 7:
                    values.add(record[field])
    with (landing / "accounts" / "accounts.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            values |= {row["email"], row["full_name"], row["phone"], row["username"], row["account_id"]}
    return {value for value in values if value and value != "NULL"}


def test_demo_prints_and_logs_no_personal_value(tmp_path, capsys, caplog, monkeypatch):
    monkeypatch.delenv("TOLLGATE_HMAC_KEY", raising=False)
    config = tmp_path / "tollgate.yaml"
    config.write_text(f"hmac_key_file: {tmp_path / 'secrets' / 'hmac.key'}\n")
    caplog.set_level(logging.DEBUG, logger="tollgate")
    where = [f"--{name}={tmp_path / name}" for name in ("landing", "lake", "exports")]
    code = main(["-v", "demo", *where, f"--config={config}", "--days=2", "--accounts=300", "--legs-per-day=1500"])
    assert code == 0
    assert oct((tmp_path / "secrets" / "hmac.key").stat().st_mode & 0o777) == "0o600"
    printed = capsys.readouterr()
    text = printed.out + printed.err + "\n".join(record.getMessage() for record in caplog.records)
    assert "Release:" in text and "read" in text  # the run did print its result
    personal = _personal_values(tmp_path / "landing")
    assert len(personal) > 500
    assert sorted(value for value in personal if value in text) == []
