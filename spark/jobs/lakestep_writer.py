"""Whole-day replacement of a Hive-partitioned table, safe on S3 (new objects first, old ones after).

Write order, per step:
1. Spark writes every day of the step to a private staging prefix
   `_staging/<executionId>/<groupId>/<table prefix>year=YYYY/month=MM/day=DD/part-<job uuid>….parquet`
   (nothing under the table changes yet; a crash here leaves only staging litter).
2. Then, day by day: list the day's current objects (the "old" set), move each staged file into
   the day folder (on S3: a server-side copy that appears whole, then a delete of the staged
   object; names carry Spark's job uuid, so they never collide with old names), and only then
   delete the old set. A day with no rows has nothing to move and just loses its old objects.
3. Remove the staging prefix.

So a reader never sees a day missing or half-written by this step: before step 2 it sees the
old objects, during it old plus some new (duplicates for that window, never gaps), after it
only the new. A crash in step 2 leaves old+new for a day; the rerun lists both as "old" and
replaces them, so a rerun always converges. We do not use Spark's own dynamic overwrite into
the table: its commit deletes each partition folder and then renames staging files into it,
which on S3 is a non-atomic copy after a delete (a window where the day is empty or partial).
"""
from __future__ import annotations

import datetime as dt
import posixpath
from typing import Iterable, List


def partition_path(day: dt.date) -> str:
    """`year=YYYY/month=MM/day=DD/`, zero-padded (the Hive layout lakestep writes)."""
    return f"year={day.year:04d}/month={day.month:02d}/day={day.day:02d}/"


def with_partition_columns(df, day_column: str):
    """Adds string columns year/month/day (zero-padded) from the DATE column `day_column`.

    String, not int, so Spark names the folders `month=03`, not `month=3`; partitionBy then
    keeps these columns out of the files.
    """
    from pyspark.sql import functions as F

    day = F.col(day_column)
    return (
        df.withColumn("year", F.date_format(day, "yyyy"))
        .withColumn("month", F.date_format(day, "MM"))
        .withColumn("day", F.date_format(day, "dd"))
    )


def _is_data_file(key: str) -> bool:
    # Spark's markers (_SUCCESS, _committed_…) and hidden files (.crc) are not table data.
    name = posixpath.basename(key)
    return not (name.startswith("_") or name.startswith("."))


def stage(df, lake, day_column: str, staging_key: str) -> None:
    """Step 1: writes `df` partitioned by year/month/day of `day_column` under `staging_key`
    (a fresh prefix, so overwrite only ever replaces our own staging)."""
    (
        with_partition_columns(df, day_column)
        .write.mode("overwrite")
        .partitionBy("year", "month", "day")
        .parquet(lake.uri(staging_key))
    )


def replace_days(lake, staging_key: str, table_prefix: str, days: Iterable[dt.date]) -> List[str]:
    """Step 2: for each day, moves the staged files in, then deletes the day's old objects.

    table_prefix: e.g. `processed/access_records/`. Days absent from staging end up empty (folder
    removed). Returns the keys now in place, for logs and tests.
    """
    placed = []
    for day in days:
        part = partition_path(day)
        old = [key for _, key, _ in lake.list_files(table_prefix + part)]
        new = [key for _, key, _ in lake.list_files(staging_key + part) if _is_data_file(key)]
        moved = []
        for key in new:  # new objects first …
            target = table_prefix + part + posixpath.basename(key)
            lake.move(key, target)
            moved.append(target)
        for key in old:  # … old ones after
            if key not in moved:
                lake.delete(key)
        if not moved:
            lake.delete(table_prefix + part, recursive=True)  # a day without rows leaves no folder
        placed.extend(moved)
    return placed
