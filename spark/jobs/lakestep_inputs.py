"""Processed inputs of a step (docs/tables.md, "What an engine gives a stage"): one temp view per
`spec.reads` entry, named after the table, over `processed/<table>/` restricted to the day
partitions `from` … `to` (inclusive).

Pruning is by listing: only the folders of the range's days are listed (never the whole table),
the paths the read's `partitions` give (src/core/partitionLayout.ts names them: `year=…/month=…/day=…`
or `record_date=…`), and Spark reads exactly the data files found there. The view has the table's
own columns: the partition columns are dropped, but for the day column `record_date`, which a
`date`-layout table keeps only in its folder names: it comes back from there, as a DATE.

A range without any partition gives an empty view with the table's declared output columns
(`columns` of the read, from lakestep.config.yml), so the stage still binds — as on DuckDB.
"""

from __future__ import annotations

import datetime as dt
import posixpath

DAY_COLUMN = "record_date"


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every day from `first` to `last`, inclusive (empty when last < first)."""
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def is_data_file(key: str) -> bool:
    """Spark's markers (_SUCCESS, _committed_…) and hidden files (.crc) are not table data."""
    name = posixpath.basename(key)
    return not name.startswith(("_", "."))


def partition_files(lake, table: str, first: dt.date, last: dt.date, partitions: dict) -> list[str]:
    """Qualified paths of the data files of processed/<table>/ days first … last, key order;
    `partitions`: the read's DayPartitions (`paths`: day → folder)."""
    prefix = f"processed/{table}/"
    files: list[str] = []
    for day in days_between(first, last):
        part = prefix + partitions["paths"][day.isoformat()] + "/"
        files.extend(qualified for qualified, key, _ in lake.list_files(part) if is_data_file(key[len(part) :]))
    return files


SPARK_TYPES = {
    "string": "string",
    "bigint": "bigint",
    "boolean": "boolean",
    "double": "double",
    "date": "date",
    "timestamp": "timestamp",
}


def processed_view(spark, lake, table: str, columns: dict[str, str], partitions: dict, files: list[str]):
    """The DataFrame of the data files `files` of processed/<table>/ (see the module docstring);
    `columns`: the table's declared output columns and types, for an empty range;
    `partitions`: the read's DayPartitions (its `columns` are the partition columns)."""
    from pyspark.sql import functions as F

    if not files:
        ddl = ", ".join(f"`{name}` {SPARK_TYPES[kind]}" for name, kind in columns.items())
        return spark.createDataFrame([], ddl)
    # basePath: Spark reads the partition columns from the folder names below the table's root.
    df = spark.read.option("basePath", lake.uri(f"processed/{table}/")).parquet(*files)
    for column in partitions["columns"]:
        if column == DAY_COLUMN:
            df = df.withColumn(column, F.col(column).cast("date"))
        elif column in df.columns:
            df = df.drop(column)
    return df


def register_reads(spark, lake, reads: list[dict]) -> dict[str, int]:
    """Creates the temp view `<table>` for each `{table, from, to, columns, partitions}` of `reads`
    (StepSpec.reads as LaunchStep completes them).

    Returns table -> number of data files read (for logs and tests).
    """
    counts: dict[str, int] = {}
    for read in reads:
        table = read["table"]
        first, last = dt.date.fromisoformat(read["from"]), dt.date.fromisoformat(read["to"])
        files = partition_files(lake, table, first, last, read["partitions"])
        processed_view(spark, lake, table, read.get("columns", {}), read["partitions"], files).createOrReplaceTempView(
            table
        )
        counts[table] = len(files)
    return counts
