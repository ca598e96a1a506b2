"""A small demo run end to end: what it prints and logs holds none of the landing's personal values."""

import csv
import json


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


def test_demo_prints_and_logs_no_personal_value(demo_run):
    # The session's demo (tests/demo_run.py): `tollgate -v demo` with no key in the environment.
    root, code, text = demo_run
    assert code == 0
    assert oct((root / "secrets" / "hmac.key").stat().st_mode & 0o777) == "0o600"
    assert "Release:" in text and "read" in text  # the run did print its result
    personal = _personal_values(root / "landing")
    assert len(personal) > 500
    assert sorted(value for value in personal if value in text) == []
