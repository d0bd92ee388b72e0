"""Processed inputs of a step (docs/tables.md, "What an engine gives a stage"): one temp view per
`spec.reads` entry, named after the table, over `processed/<table>/` restricted to the day
partitions `from` … `to` (inclusive).

Pruning is by listing: only the folders `year=YYYY/month=MM/day=DD/` of the range's days are
listed (never the whole table), and Spark reads exactly the data files found there. Reading the
files themselves (not the table root with a filter) means Spark infers no partition columns, so
the view has the table's own columns as written (`record_date` included, no year/month/day).

A range without any partition gives an empty view with the table's columns, taken from the first
data file found anywhere under the table (one listing that stops at the first file). A table with
no data file at all has no known columns: its view is empty and has no columns either, so a stage
that names a column of it fails with Spark's "cannot resolve" error (docs note this case).
"""
from __future__ import annotations

import datetime as dt
import posixpath
import sys
from typing import Dict, List

from lakestep_writer import partition_path

PARTITION_COLUMNS = ("year", "month", "day")


def days_between(first: dt.date, last: dt.date) -> List[dt.date]:
    """Every day from `first` to `last`, inclusive (empty when last < first)."""
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def is_data_file(key: str) -> bool:
    """Spark's markers (_SUCCESS, _committed_…) and hidden files (.crc) are not table data."""
    name = posixpath.basename(key)
    return not name.startswith(("_", "."))


def partition_files(lake, table: str, first: dt.date, last: dt.date) -> List[str]:
    """Qualified paths of the data files of processed/<table>/ days first … last, key order."""
    prefix = f"processed/{table}/"
    files: List[str] = []
    for day in days_between(first, last):
        part = prefix + partition_path(day)
        files.extend(qualified for qualified, key, _ in lake.list_files(part) if is_data_file(key[len(part):]))
    return files


def processed_view(spark, lake, table: str, first: dt.date, last: dt.date, files: List[str] = None):
    """The DataFrame of processed/<table>/ days first … last (see the module docstring);
    `files`: partition_files of that range when already listed."""
    files = partition_files(lake, table, first, last) if files is None else files
    if files:
        df = spark.read.parquet(*files)
    else:
        sample = lake.first_file(f"processed/{table}/", is_data_file)
        if sample is None:
            print(f"lakestep_driver: warning: processed/{table}/ has no partitions at all; "
                  f"its view has no rows and no columns", file=sys.stderr)
            from pyspark.sql.types import StructType

            return spark.createDataFrame([], StructType([]))
        df = spark.read.parquet(sample).limit(0)
    # Files written by lakestep hold no partition columns; drop them should a foreign writer add them.
    return df.drop(*[c for c in PARTITION_COLUMNS if c in df.columns])


def register_reads(spark, lake, reads: List[Dict]) -> Dict[str, int]:
    """Creates the temp view `<table>` for each `{table, from, to}` of `reads`.

    Returns table -> number of data files read (for logs and tests).
    """
    counts: Dict[str, int] = {}
    for read in reads:
        table = read["table"]
        first, last = dt.date.fromisoformat(read["from"]), dt.date.fromisoformat(read["to"])
        files = partition_files(lake, table, first, last)
        processed_view(spark, lake, table, first, last, files).createOrReplaceTempView(table)
        counts[table] = len(files)
    return counts
