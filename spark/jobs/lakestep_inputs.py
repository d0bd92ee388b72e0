"""Processed inputs of a step (docs/tables.md, "What an engine gives a stage"): one temp view per
`spec.reads` entry, named after the table, over `processed/<table>/` restricted to the day
partitions `from` … `to` (inclusive).

Pruning is by listing: only the folders `year=YYYY/month=MM/day=DD/` of the range's days are
listed (never the whole table), and Spark reads exactly the data files found there. Reading the
files themselves (not the table root with a filter) means Spark infers no partition columns, so
the view has the table's own columns as written (`record_date` included, no year/month/day).

A range without any partition gives an empty view with the table's declared output columns
(`columns` of the read, from lakestep.config.yml), so the stage still binds — as on DuckDB.
"""
from __future__ import annotations

import datetime as dt
import posixpath
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


SPARK_TYPES = {"string": "string", "bigint": "bigint", "boolean": "boolean", "double": "double", "date": "date", "timestamp": "timestamp"}


def processed_view(spark, lake, table: str, first: dt.date, last: dt.date, columns: Dict[str, str], files: List[str] = None):
    """The DataFrame of processed/<table>/ days first … last (see the module docstring);
    `columns`: the table's declared output columns and types, for an empty range;
    `files`: partition_files of that range when already listed."""
    files = partition_files(lake, table, first, last) if files is None else files
    if not files:
        ddl = ", ".join(f"`{name}` {SPARK_TYPES[kind]}" for name, kind in columns.items())
        return spark.createDataFrame([], ddl)
    df = spark.read.parquet(*files)
    # Files written by lakestep hold no partition columns; drop them should a foreign writer add them.
    return df.drop(*[c for c in PARTITION_COLUMNS if c in df.columns])


def register_reads(spark, lake, reads: List[Dict]) -> Dict[str, int]:
    """Creates the temp view `<table>` for each `{table, from, to, columns}` of `reads`.

    Returns table -> number of data files read (for logs and tests).
    """
    counts: Dict[str, int] = {}
    for read in reads:
        table = read["table"]
        first, last = dt.date.fromisoformat(read["from"]), dt.date.fromisoformat(read["to"])
        files = partition_files(lake, table, first, last)
        processed_view(spark, lake, table, first, last, read.get("columns", {}), files).createOrReplaceTempView(table)
        counts[table] = len(files)
    return counts
