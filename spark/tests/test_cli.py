"""The driver's argument parsing (no Spark)."""
import json

import pytest

from lakestep_cli import UsageError, parse_args

SPEC = {"executionId": "e", "groupId": "g", "dataset": "access_records", "days": ["2024-03-05"],
        "rawDays": ["2024-03-04", "2024-03-05", "2024-03-06"], "stageSql": "spark/sql/access_records.sql",
        "stageVersion": "v", "resultKey": "_results/e/g.json"}
DATASET = {"name": "access_records", "raw": {"prefix": "raw/access_records/", "format": "json"}, "table": "access_records",
           "lateDays": 1, "rejectThreshold": 0.05, "eventTime": "timestamp", "required": ["sessionId"], "columns": {"sessionId": "string"}}


def argv(spec=SPEC, dataset=DATASET, lake="s3://bucket/"):
    return ["--spec", json.dumps(spec), "--lake-root", lake, "--dataset", json.dumps(dataset), "--sql", "s3://bucket/_code/v/access_records.sql"]


def test_inline_json_arguments():
    args = parse_args(argv())
    assert args["spec"] == SPEC and args["dataset"] == DATASET
    assert args["lake_root"] == "s3://bucket/" and args["sql_uri"] == "s3://bucket/_code/v/access_records.sql"
    assert [d.isoformat() for d in args["raw_days"]] == SPEC["rawDays"]


def test_spec_and_dataset_given_as_uris_are_read_through_the_reader():
    texts = {"s3://b/spec.json": json.dumps(SPEC), "s3://b/ds.json": json.dumps(DATASET)}
    args = parse_args(["--spec", "s3://b/spec.json", "--lake-root", "file:///tmp/lake", "--dataset", "s3://b/ds.json", "--sql", "x"], texts.__getitem__)
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
