"""Telephony folders through `tollgate ingest` and `anonymize`: the real FreeSWITCH file."""

import shutil

from pyspark.sql import functions as F

from jobs.commands.cli import main
from tests.landing_fixtures import account, write_accounts
from tests.shared_data import SHARED_DATA

FREESWITCH = SHARED_DATA / "cdr" / "freeswitch-powermedia" / "Master.csv.2012-04-13-17-01-48"


def test_a_pbx_folder_is_ingested_whole_and_idempotently(spark, tmp_path, monkeypatch):
    monkeypatch.setenv("TOLLGATE_HMAC_KEY", "telephony-test-key-0123456789abcdef")
    landing = tmp_path / "landing"
    write_accounts(landing, [account("acct-lab", region="eu", timezone="Europe/Berlin")])
    (landing / "cdr" / "lab-pbx").mkdir(parents=True)
    shutil.copy(FREESWITCH, landing / "cdr" / "lab-pbx" / "Master.csv")
    config = tmp_path / "tollgate.yaml"
    config.write_text(
        "hmac_key_file: unused.key\ntelephony:\n  lab-pbx:\n    format: freeswitch\n"
        "    timezone: Europe/Berlin\n    account_id: acct-lab\n    region: eu\n    country: DE\n"
    )
    where = ["--landing", str(landing), "--lake", str(tmp_path / "lake"), "--config", str(config)]
    for _ in range(2):  # a re-run replaces the folder's rows instead of adding to them
        assert main(["ingest", *where]) == 0
        bronze = spark.read.format("delta").load(str(tmp_path / "lake" / "bronze" / "cdr_legs"))
        quarantine = spark.read.format("delta").load(str(tmp_path / "lake" / "bronze" / "quarantine"))
        accepted = bronze.where(F.col("source_file") == "cdr/lab-pbx/Master.csv").count()
        rejected = quarantine.where(F.col("source") == "telephony:lab-pbx").count()
        # SOURCE.txt: 3,425 rows, every CDR logged twice; 9 legs never dialled a number.
        assert (accepted, rejected) == (1_782, 1_643)
    assert bronze.select(F.countDistinct("leg_id")).first()[0] == 1_782
    assert main(["anonymize", *where, "--date", "2012-04-12"]) == 0
    silver = spark.read.format("delta").load(str(tmp_path / "lake" / "silver" / "cdr_legs"))
    assert silver.count() > 0 and silver.where(F.col("access_type") != "dial_in").count() == 0
    assert "caller_number" not in silver.columns and "caller_number_calling_code" in silver.columns
