"""lakestep_raw's pure parts (no Spark): raw key layouts and the Java helper's options."""

import datetime as dt
import json

import pytest
from lakestep_raw import arrival_day_of_key, split_options


@pytest.mark.parametrize(
    "key,day",
    [
        ("raw/a/2024/03/05/17/f.gz", dt.date(2024, 3, 5)),
        ("raw/a/year=2024/month=03/day=05/hour=17/f.json", dt.date(2024, 3, 5)),
        ("raw/a/year=2024/month=03/day=05/f.json", dt.date(2024, 3, 5)),
        ("raw/a/2024/03/05/24/f.gz", None),  # no hour 24
        ("raw/a/2024/02/30/01/f.gz", None),  # not a calendar day
        ("raw/a/2024/03/05/17/x/f.gz", None),  # Firehose layout has exactly four folders
        ("raw/b/2024/03/05/17/f.gz", None),
    ],
)
def test_arrival_day_of_key_follows_src_core_rawKeys(key, day):
    assert arrival_day_of_key(key, "raw/a/") == day


def test_split_options_name_each_column_by_path_or_position():
    raw = {
        "format": "csv",
        "maxRecordBytes": 100,
        "csv": {"delimiter": "\t", "header": False},
        "columns": {
            "app": {"type": "string", "position": 0},
            "ID": {"type": "bigint"},
            "x": {"type": "string", "path": "X"},
        },
    }
    assert json.loads(split_options(raw)) == {
        "format": "csv",
        "maxRecordBytes": 100,
        "csv": {"delimiter": "\t", "header": False},
        "columns": [
            {"name": "app", "path": "app", "position": 0},
            {"name": "ID", "path": "ID"},
            {"name": "x", "path": "X"},
        ],
    }
