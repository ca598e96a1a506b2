"""No leftovers: an export clears what dead exports staged, and a run the gate refuses still
writes its report, naming the refusal (never a value), and exits 3.

The first test needs no Spark; the others use the `spark` fixture, and the last runs a whole
`tollgate run` on the small planted landing folder.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from jobs.commands.cli import main
from jobs.config.policy import load_policy
from jobs.errors import GateRefused
from jobs.lake.layout import Lake
from jobs.lake.session import project_path
from jobs.release.export import export_all
from jobs.release.ledger import gate_docs_dir, read_ledger
from jobs.release.publish import ReleaseRefused, remove_dead_staging
from jobs.release.verify import verify_release
from tests.gold_fixtures import usage_rows
from tests.leak_scan import leaked_forms
from tests.planted_landing import build_landing, planted_forms
from tests.test_export import DATASET, make_lake, recipient

KEY = "leftovers-test-key-0123456789abcdef"
BETWEEN = "expect_column_values_to_be_between"
DEAD = ("acme-research--usage_by_time_of_day--20261130T235959Z", "other--daily_usage--20261130T000000Z")


@pytest.fixture(scope="module")
def policy():
    return load_policy(project_path("conf", "privacy-policy.yaml"))


def _plant_dead_staging(exports: Path) -> Path:
    """What SIGKILLed exports leave: half-written staging folders."""
    staging = exports / ".staging"
    for name in DEAD:
        (staging / name / "data").mkdir(parents=True)
        (staging / name / "data" / "part-00000.parquet").write_bytes(b"half-written")
    return staging


def test_dead_staging_is_removed_and_counted_without_following_links(tmp_path):
    assert remove_dead_staging(tmp_path / "exports") == 0  # no staging folder yet
    staging = _plant_dead_staging(tmp_path / "exports")
    outside = tmp_path / "not-ours"
    (outside / "keep").mkdir(parents=True)
    (staging / "link").symlink_to(outside, target_is_directory=True)
    (staging / "stray.tmp").write_text("")
    assert remove_dead_staging(tmp_path / "exports") == 4
    assert list(staging.iterdir()) == [] and (outside / "keep").is_dir()


class _PublishedLines(logging.Handler):
    """Each "published" log line's folder, and whether it existed when the line was written."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[Path, bool]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "published %s":
            folder = Path(record.args[0])
            self.seen.append((folder, folder.is_dir()))


def test_the_next_export_removes_what_dead_exports_staged(spark, tmp_path, policy, caplog):
    lake = make_lake(spark, tmp_path, usage_rows())
    exports = tmp_path / "exports"
    staging = _plant_dead_staging(exports)
    published = _PublishedLines()
    logging.getLogger("tollgate.export").addHandler(published)
    try:
        with caplog.at_level(logging.INFO, logger="tollgate"):
            [release] = export_all(spark, lake, exports, [recipient()], policy)
    finally:
        logging.getLogger("tollgate.export").removeHandler(published)
    # The release is announced as published once it is in place, not when it is staged.
    assert published.seen == [(release, True)]
    assert list(staging.iterdir()) == []
    assert verify_release(release) == []
    assert "removed 2 staging folder(s) left by exports that died" in caplog.text
    assert not any(name in caplog.text for name in DEAD), "the log counts them, it does not name them"


def test_a_refusal_names_the_release_and_what_was_published_before_it(spark, tmp_path, policy):
    lake = make_lake(spark, tmp_path, usage_rows())
    strict = recipient().model_copy(update={"name": "strict-research", "k": 20})
    with pytest.raises(ReleaseRefused) as refusal:
        export_all(spark, lake, tmp_path / "exports", [recipient(), strict], policy)
    [published] = (tmp_path / "exports" / "acme-research" / DATASET).iterdir()
    assert refusal.value.published_before == (published,)
    assert (refusal.value.recipient, refusal.value.dataset) == ("strict-research", DATASET)
    assert {(f.column, f.expectation) for f in refusal.value.gate.failures} == {("distinct_accounts", BETWEEN)}
    [row] = read_ledger(spark, lake).where("status = 'refused'").collect()
    assert row.release_id == refusal.value.release_id
    assert isinstance(refusal.value, GateRefused), "the command line's exit 3"
    # Both attempts reached the ledger in the export's one commit, before the rename.
    history = spark.sql(f"DESCRIBE HISTORY delta.`{lake.ledger}`").collect()
    assert [(entry.version, entry.operationMetrics["numOutputRows"]) for entry in history] == [(0, "2")]
    assert list((tmp_path / "exports" / ".staging").iterdir()) == []


def test_a_refused_run_writes_its_report_with_the_refusal_and_exits_3(spark, tmp_path, monkeypatch):
    monkeypatch.setenv("TOLLGATE_HMAC_KEY", KEY)
    build_landing(tmp_path / "landing")
    recipients = tmp_path / "recipients.yaml"
    entries = [
        {"name": "open-research", "kind": "research", "datasets": [DATASET]},
        # The landing's one published cell counts 12 accounts: under this recipient's k.
        {"name": "strict-research", "kind": "research", "datasets": [DATASET], "k": 20},
    ]
    recipients.write_text(yaml.safe_dump({"recipients": entries}))
    where = [f"--{name}={tmp_path / name}" for name in ("landing", "lake", "exports")]
    assert main(["run", *where, "--recipients", str(recipients)]) == 3
    assert not (tmp_path / "exports" / "strict-research").exists()
    [published] = (tmp_path / "exports" / "open-research" / DATASET).iterdir()
    [report] = (tmp_path / "lake" / "_reports").iterdir()
    page = report.read_text(encoding="utf-8")
    [refused] = read_ledger(spark, Lake(tmp_path / "lake")).where("status = 'refused'").collect()
    docs = gate_docs_dir(Lake(tmp_path / "lake"), "strict-research", DATASET, refused.release_id)
    for text in (
        "<h2>Refused by the privacy gate</h2>",
        f"release {refused.release_id} of {DATASET} for strict-research",
        f"<tr><td>distinct_accounts</td><td>{BETWEEN}</td></tr>",
        str(docs.relative_to(tmp_path / "lake") / "index.html"),
        f"<td>open-research</td><td>{DATASET}</td><td>{published.name}</td>",
        f"releases published: 1; refused: strict-research/{DATASET}",
        "<h2>Gold tables</h2>",  # and the rest of every run's report
        "data:image/png;base64,",
    ):
        assert text in page, text
    assert leaked_forms(planted_forms(), page.encode()) == []
    assert str(tmp_path) not in page
