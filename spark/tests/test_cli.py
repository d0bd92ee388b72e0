"""The driver's argument parsing (no Spark)."""

import json

import pytest
from lakestep_cli import UsageError, parse_args

SPEC = {
    "executionId": "e",
    "groupId": "g",
    "dataset": "access_records",
    "days": ["2024-03-05"],
    "rawDays": ["2024-03-04", "2024-03-05", "2024-03-06"],
    "stageSql": "spark/sql/access_records.sql",
    "stageVersion": "v",
    "resultKey": "_results/e/g.json",
}
DATASET = {
    "name": "access_records",
    "raw": {"prefix": "raw/access_records/", "format": "json"},
    "table": "access_records",
    "lateDays": 1,
    "rejectThreshold": 0.05,
    "eventTime": "timestamp",
    "required": ["sessionId"],
    "columns": {"sessionId": "string"},
}


def argv(spec=SPEC, dataset=DATASET, lake="s3://bucket/"):
    return [
        "--spec",
        json.dumps(spec),
        "--lake-root",
        lake,
        "--dataset",
        json.dumps(dataset),
        "--sql",
        "s3://bucket/_code/v/access_records.sql",
    ]


def test_inline_json_arguments():
    args = parse_args(argv())
    assert args["spec"] == SPEC and args["dataset"] == DATASET
    assert args["lake_root"] == "s3://bucket/" and args["sql_uri"] == "s3://bucket/_code/v/access_records.sql"
    assert [d.isoformat() for d in args["raw_days"]] == SPEC["rawDays"]


def test_spec_and_dataset_given_as_uris_are_read_through_the_reader():
    texts = {"s3://b/spec.json": json.dumps(SPEC), "s3://b/ds.json": json.dumps(DATASET)}
    args = parse_args(
        ["--spec", "s3://b/spec.json", "--lake-root", "file:///tmp/lake", "--dataset", "s3://b/ds.json", "--sql", "x"],
        texts.__getitem__,
    )
    assert args["spec"]["groupId"] == "g" and args["lake_root"] == "file:///tmp/lake/"


@pytest.mark.parametrize(
    "args,message",
    [
        (argv(lake="/tmp/lake"), "--lake-root"),
        (argv(spec={k: v for k, v in SPEC.items() if k != "resultKey"}), "missing resultKey"),
        (argv(spec={**SPEC, "days": ["2024-02-30"]}), "--spec days"),
        (argv(spec={**SPEC, "days": []}), "--spec days"),
        (argv(dataset={**DATASET, "name": "other"}), "not the spec's dataset"),
        (["--spec", "{nope", "--lake-root", "s3://b/", "--dataset", "{}", "--sql", "x"], "--spec: not valid JSON"),
    ],
)
def test_bad_arguments_name_the_flag(args, message):
    with pytest.raises(UsageError, match=message):
        parse_args(args)


def test_missing_flag_exits_2():
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--spec", "{}"])
    assert exit_info.value.code == 2


AGGREGATE = {
    "name": "downloads_daily",
    "table": "downloads_daily",
    "stage": "spark/sql/downloads_daily.sql",
    "period": "day",
    "reads": [{"table": "file_downloads", "fromDays": -27, "toDays": 0}],
    "output": {"record_date": "date"},
    "checks": {},
    "metrics": {},
}
AGG_SPEC = {
    **SPEC,
    "dataset": "downloads_daily",
    "rawDays": [],
    "reads": [{"table": "file_downloads", "from": "2024-02-08", "to": "2024-03-05"}],
    "period": "day",
    "checks": [],
    "metrics": {"n": "count(*)"},
}


def test_an_aggregate_config_needs_no_raw_fields_and_reads_no_raw_days():
    args = parse_args(argv(spec=AGG_SPEC, dataset=AGGREGATE))
    assert args["raw_days"] == [] and args["dataset"] == AGGREGATE and args["spec"]["reads"] == AGG_SPEC["reads"]


def test_a_dataset_without_event_time_and_with_csv_raw_is_accepted():
    ds = {k: v for k, v in DATASET.items() if k != "eventTime"}
    ds["raw"] = {"prefix": "raw/access_records/", "format": "csv"}
    assert parse_args(argv(dataset=ds))["dataset"]["raw"]["format"] == "csv"


@pytest.mark.parametrize(
    "spec,dataset,message",
    [
        (SPEC, {k: v for k, v in DATASET.items() if k != "columns"}, "missing columns"),
        ({**SPEC, "rawDays": []}, DATASET, "--spec rawDays"),
        ({**SPEC, "checks": {}}, DATASET, "--spec checks"),
        (SPEC, {**DATASET, "raw": {"prefix": "raw/a/", "format": "xml"}}, "raw.format"),
    ],
)
def test_bad_table_arguments(spec, dataset, message):
    with pytest.raises(UsageError, match=message):
        parse_args(argv(spec=spec, dataset=dataset))


EXPORT_SPEC = {
    "executionId": "run-1",
    "resultKey": "_runs/run-1/exports.result.json",
    "exports": [
        {
            "name": "e",
            "sql": "SELECT 1",
            "key": "exports/e/run-1.json",
            "latestKey": "exports/e/latest.json",
            "reads": [],
        }
    ],
}


def test_export_mode_takes_the_spec_and_the_lake_root_only():
    args = parse_args(["--export", json.dumps(EXPORT_SPEC), "--lake-root", "s3://bucket"])

    assert args == {"mode": "export", "export_spec": EXPORT_SPEC, "lake_root": "s3://bucket/"}
    with pytest.raises(UsageError, match=r"--export: --spec given too"):
        parse_args(["--export", json.dumps(EXPORT_SPEC), "--spec", json.dumps(SPEC), "--lake-root", "s3://b/"])


def test_export_mode_names_a_missing_field_of_an_export():
    spec = {**EXPORT_SPEC, "exports": [{"name": "e", "sql": "SELECT 1", "reads": []}]}

    with pytest.raises(UsageError, match=r"--export exports\[0\]: missing key, latestKey"):
        parse_args(["--export", json.dumps(spec), "--lake-root", "s3://b/"])


def test_step_mode_names_the_missing_step_flags():
    with pytest.raises(UsageError, match=r"--dataset, --sql missing"):
        parse_args(["--spec", json.dumps(SPEC), "--lake-root", "s3://b/"])
