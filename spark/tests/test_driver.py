"""The driver on local Spark: session settings, and one step end to end on a tmp lake.

One SparkSession for the whole module (Spark start-up costs seconds).
"""

import datetime as dt
import gzip
import json
import os

import pytest
from conftest import table_spec_fields
from lakestep_lakefs import LakeFs
from lakestep_session import REQUIRED_CONF, build_session
from lakestep_step import fill_reject_threshold_message, percent_text, run_step

MS = 1709632800000  # 2024-03-05T10:00:00Z
DAY_MS = 86_400_000
CONFIG = {
    "raw": {"prefix": "raw/access_records/", "format": "json"},
    "stage": "spark/sql/access_records.sql",
    "table": "access_records",
    "lateDays": 1,
    "rejectThreshold": 0.5,
    "eventTime": "timestamp",
    "required": ["sessionId", "timestamp"],
    "columns": {"sessionId": "string", "timestamp": "bigint", "method": "string"},
    "output": {"session_id": "string"},
}
DATASET = {"name": "access_records", **CONFIG}
SQL = """
WITH ranked AS (
  SELECT r.*, row_number() OVER (PARTITION BY sessionId, timestamp, method ORDER BY _arrival_day, _source_file, _record_index) AS rn
  FROM raw_access_records r)
SELECT sessionId AS session_id, timestamp_millis(timestamp) AS timestamp, method, _source_file AS src,
       to_date(timestamp_millis(timestamp)) AS record_date
FROM ranked WHERE rn = 1 AND to_date(timestamp_millis(timestamp)) IN (SELECT day FROM run_days)
"""


@pytest.fixture(scope="module")
def spark():
    session = build_session(
        "lakestep-test",
        {
            "spark.master": "local[2]",
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "2",
            "spark.hadoop.fs.file.impl": "org.apache.hadoop.fs.RawLocalFileSystem",
            # A test run must not be able to turn the settings off: build_session pins them anyway.
            "spark.sql.sources.partitionOverwriteMode": "static",
        },
    )
    yield session
    session.stop()


def write(root, key, text, gz=False):
    path = os.path.join(root, key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(gzip.compress(text.encode()) if gz else text.encode())


def rec(session, ms, method="GET"):
    return json.dumps({"sessionId": session, "timestamp": ms, "method": method})


def files_under(root, prefix):
    base = os.path.join(root, prefix)
    return sorted(os.path.relpath(os.path.join(d, f), base) for d, _, fs in os.walk(base) for f in fs)


def spec(days, raw_days, group="g1"):
    return {
        "executionId": "e1",
        "groupId": group,
        "dataset": "access_records",
        "days": days,
        "rawDays": raw_days,
        "stageSql": "x.sql",
        "stageVersion": "v1",
        "resultKey": f"_results/{group}.json",
        **table_spec_fields({"access_records": CONFIG}, "access_records", "e1", group, days),
    }


def run(spark, root, days, raw_days, dataset=DATASET):
    lake = LakeFs(spark, "file://" + str(root) + "/")
    return run_step(
        spark,
        lake,
        spec(days, raw_days),
        dataset,
        SQL,
        [dt.date.fromisoformat(d) for d in days],
        [dt.date.fromisoformat(d) for d in raw_days],
    )


def test_session_pins_dynamic_overwrite_utc_and_micros(spark):
    for key, value in REQUIRED_CONF.items():
        assert spark.conf.get(key) == value
    assert spark.conf.get("spark.sql.sources.partitionOverwriteMode") == "dynamic"
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark.conf.get("spark.sql.parquet.outputTimestampType") == "TIMESTAMP_MICROS"


def test_a_step_replaces_its_days_removes_emptied_days_and_counts(spark, tmp_path):
    root = str(tmp_path)
    # Old output: day 05 (will be replaced), day 06 (has no rows now: must end empty), day 07 (not ours).
    for day in ("05", "06", "07"):
        write(root, f"processed/access_records/year=2024/month=03/day={day}/old.parquet", "old")
    write(root, "rejected/access_records/year=2024/month=03/day=06/old.parquet", "old")
    write(
        root,
        "raw/access_records/2024/03/05/10/a.gz",
        "\n".join([rec("a", MS), rec("a", MS), "{bad"]) + "\n" + rec("b", MS),
        gz=True,
    )
    # duplicate of a arriving the next day, in the Hive layout; and a record of day 04 (not ours)
    write(root, "raw/access_records/year=2024/month=03/day=06/b.json", rec("a", MS) + "\n")
    write(root, "raw/access_records/2024/03/05/11/c.json", rec("c", MS - DAY_MS) + "\n")
    write(root, "raw/access_records/2024/03/06/00/late.json", rec("d", MS - 3 * DAY_MS) + "\n")

    result = run(spark, root, ["2024-03-05", "2024-03-06"], ["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07"])

    assert result["days"] == [
        {
            "day": "2024-03-05",
            "status": "succeeded",
            "recordsIn": 4,
            "recordsOut": 2,
            "duplicatesDropped": 2,
            "rejected": 1,
            "late": 0,
            "rejectedByReason": {"invalid_json": 1},
        },
        {
            "day": "2024-03-06",
            "status": "succeeded",
            "recordsIn": 0,
            "recordsOut": 0,
            "duplicatesDropped": 0,
            "rejected": 1,
            "late": 1,
            "rejectedByReason": {"late": 1},
        },
    ]
    assert result["rejectedByReason"] == {"invalid_json": 1, "late": 1}
    processed = files_under(root, "processed/access_records")
    assert [f.rsplit("/", 1)[0] for f in processed] == ["year=2024/month=03/day=05", "year=2024/month=03/day=07"]
    assert processed[1].endswith("old.parquet") and not processed[0].endswith("old.parquet")
    assert not os.path.exists(os.path.join(root, "processed/access_records/year=2024/month=03/day=06"))
    assert not os.path.exists(os.path.join(root, "_staging/e1/g1"))
    assert [
        f for f in files_under(root, "_state/publish") if not f.endswith(".crc")
    ] == []  # journals go once published
    rows = (
        spark.read.parquet(os.path.join(root, "processed/access_records/year=2024/month=03/day=05"))
        .orderBy("session_id")
        .collect()
    )
    # the copy kept is the first by (arrival day, source file, record index)
    assert [(r.session_id, r.src) for r in rows] == [
        ("a", "raw/access_records/2024/03/05/10/a.gz"),
        ("b", "raw/access_records/2024/03/05/10/a.gz"),
    ]
    assert rows[0].timestamp == dt.datetime(2024, 3, 5, 10, 0)  # UTC session: no shift
    assert "year" not in rows[0].asDict()
    rejected = spark.read.parquet(os.path.join(root, "rejected/access_records")).orderBy("arrival_day").collect()
    assert [(r.reason, str(r.arrival_day), r.record_index, str(r.event_day)) for r in rejected] == [
        ("invalid_json", "2024-03-05", 2, "None"),
        ("late", "2024-03-06", 0, "2024-03-02"),
    ]


def test_over_the_reject_threshold_publishes_nothing_quarantines_under_the_run_and_fails_every_day(spark, tmp_path):
    root = str(tmp_path)
    write(root, "processed/access_records/year=2024/month=03/day=05/old.parquet", "old")
    write(root, "raw/access_records/2024/03/05/10/a.json", rec("a", MS) + "\n{bad\n{bad\n")

    result = run(spark, root, ["2024-03-05"], ["2024-03-04", "2024-03-05", "2024-03-06"])

    message = (
        "access_records 2024-03-05…2024-03-05: 2 of 3 records rejected (66.7 %), over the 50.0 % threshold; "
        "nothing was published; the quarantined records (raw text and reasons) are in _runs/e1/rejected/access_records/"
    )
    assert {k: result["days"][0][k] for k in ("status", "recordsIn", "recordsOut", "rejected")} == {
        "status": "failed",
        "recordsIn": 1,
        "recordsOut": 1,
        "rejected": 2,
    }
    assert result["days"][0]["error"] == {"name": "RejectThresholdError", "message": message}
    assert files_under(root, "processed/access_records") == ["year=2024/month=03/day=05/old.parquet"]
    assert not os.path.exists(os.path.join(root, "rejected"))
    assert [f.split("/")[0] for f in files_under(root, "_runs/e1/rejected/access_records")] == ["year=2024"]


def test_threshold_message_fills_the_specs_template_with_half_up_percent():
    assert [percent_text(1, 16), percent_text(1, 3), percent_text(1, 8), percent_text(0, 0)] == [
        "6.3",
        "33.3",
        "12.5",
        "0.0",
    ]
    assert fill_reject_threshold_message("{rejected} of {total} ({percent} %)", 1, 16) == "1 of 16 (6.3 %)"


def test_main_writes_a_failed_result_and_exits_1_when_the_sql_fails(spark, tmp_path):
    from lakestep_driver import main

    root = str(tmp_path)
    write(root, "raw/access_records/2024/03/05/10/a.json", rec("a", MS) + "\n")
    write(root, "bad.sql", "SELECT no_such_column FROM raw_access_records")
    step = spec(["2024-03-05"], ["2024-03-04", "2024-03-05", "2024-03-06"])

    code = main(
        [
            "--spec",
            json.dumps(step),
            "--lake-root",
            f"file://{root}/",
            "--dataset",
            json.dumps(DATASET),
            "--sql",
            f"file://{root}/bad.sql",
        ]
    )

    assert code == 1
    with open(os.path.join(root, step["resultKey"])) as f:
        result = json.load(f)
    assert result["days"][0]["status"] == "failed"
    assert result["days"][0]["error"]["name"] == "StepFailedError"
    # the stage file as the spec names it, and its line (the driver runs the file as it is)
    assert "step failed on Spark: x.sql line 1: [UNRESOLVED_COLUMN" in result["days"][0]["error"]["message"]
    assert "no_such_column" in result["days"][0]["error"]["message"]


def test_main_exits_2_on_a_bad_argument(spark, tmp_path):
    from lakestep_driver import main

    step = spec(["2024-03-05"], ["2024-03-05"])
    assert (
        main(["--spec", json.dumps(step), "--lake-root", "/no/scheme", "--dataset", json.dumps(DATASET), "--sql", "x"])
        == 2
    )


def test_remove_folder_if_empty_removes_only_an_empty_folder(spark, tmp_path):
    # the execution's `_staging/<execution>/` once its groups are gone (on S3: its marker object)
    lake = LakeFs(spark, "file://" + str(tmp_path) + "/")
    os.makedirs(tmp_path / "_staging" / "e1")
    write(tmp_path, "_staging/e2/g1/part-0.parquet", "x")

    lake.remove_folder_if_empty("_staging/e1/")
    lake.remove_folder_if_empty("_staging/e2/")  # another step still writes there: refused, quietly
    lake.remove_folder_if_empty("_staging/never/")

    assert sorted(os.listdir(tmp_path / "_staging")) == ["e2"]
    assert files_under(tmp_path, "_staging/e2") == ["g1/part-0.parquet"]
