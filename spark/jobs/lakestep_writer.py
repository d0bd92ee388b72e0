"""Whole-day replacement of a Hive-partitioned table, safe on S3 (new objects first, old ones after).

Stages every day of the step, moves each day's new files in before deleting its old ones, and keeps a
publish journal so a crash mid-way is finished or rolled back (`recover_publishes`). The write order,
the journal and why Spark's own dynamic overwrite is not used: docs/stage-contract.md, "How the Spark
driver replaces a day".
"""

from __future__ import annotations

import datetime as dt
import json
import os
import posixpath
import signal
import time
from collections.abc import Iterable

#: where publish journals live in the lake (src/local/duckdb/parquetWriter.ts PUBLISH_JOURNAL_PREFIX)
PUBLISH_JOURNAL_PREFIX = "_state/publish/"


def crash_point(label: str) -> None:
    """src/core/crashPoints.ts: when LAKESTEP_CRASH_AT names `label`, die right here as `kill -9` would."""
    if os.environ.get("LAKESTEP_CRASH_AT") == label:
        os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(10)  # the signal lands asynchronously on some systems


#: Spark's partitionBy column of the staging prefix: one folder a day, read by this module only.
STAGING_DAY_COLUMN = "lakestep_day"


def staging_path(day: dt.date) -> str:
    """The staging folder of one day, relative to the staging prefix: `lakestep_day=YYYY-MM-DD/`."""
    return f"{STAGING_DAY_COLUMN}={day.isoformat()}/"


def _is_data_file(key: str) -> bool:
    # Spark's markers (_SUCCESS, _committed_…) and hidden files (.crc) are not table data.
    name = posixpath.basename(key)
    return not (name.startswith("_") or name.startswith("."))


def stage(df, lake, day_column: str, staging_key: str, partitions: dict) -> None:
    """Step 1: writes `df` under `staging_key` (a fresh prefix, so overwrite only ever replaces our
    own staging), one folder per day of the DATE column `day_column` (staging_path).

    partitions: the table's StepSpec DayPartitions (`{layout, columns, paths}`); its `columns` are
    the table's partition columns, kept out of the files (under `date` that is `record_date` itself).
    """
    from pyspark.sql import functions as F

    out = df.withColumn(STAGING_DAY_COLUMN, F.date_format(F.col(day_column), "yyyy-MM-dd"))
    out = out.drop(*[c for c in partitions["columns"] if c in out.columns])
    out.write.mode("overwrite").partitionBy(STAGING_DAY_COLUMN).parquet(lake.uri(staging_key))


def replace_days(
    lake,
    staging_key: str,
    table_prefix: str,
    days: Iterable[dt.date],
    partitions: dict,
    journal_key: str | None = None,
) -> list[str]:
    """Step 2: for each day, moves the staged files in, then deletes the day's old objects.

    table_prefix: e.g. `processed/access_records/`. partitions: the StepSpec DayPartitions whose
    `paths` name each day's folder under it (e.g. `record_date=2024-03-05`). Days absent from
    staging end up empty (folder removed). journal_key: where the publish journal goes (see the
    module docstring); None writes none (tests of the move order alone). Returns the keys now in
    place, for logs and tests.
    """
    swaps = []
    for day in days:
        part = partitions["paths"][day.isoformat()] + "/"
        new = [key for _, key, _ in lake.list_files(staging_key + staging_path(day)) if _is_data_file(key)]
        fresh = [posixpath.basename(key) for key in new]
        old = [key[len(table_prefix + part) :] for _, key, _ in lake.list_files(table_prefix + part)]
        swaps.append(
            {
                "day": day.isoformat(),
                "partition": part.rstrip("/"),
                "fresh": fresh,
                "old": [name for name in old if name not in fresh],
                "new_keys": new,
            }
        )
    if journal_key:
        lake.write_text(
            journal_key,
            json.dumps(
                {"prefix": table_prefix, "days": [{k: v for k, v in swap.items() if k != "new_keys"} for swap in swaps]}
            ),
        )
    placed = []
    for swap in swaps:
        folder = table_prefix + swap["partition"] + "/"
        for key in swap["new_keys"]:  # new objects first …
            lake.move(key, folder + posixpath.basename(key))
            placed.append(folder + posixpath.basename(key))
        # a crash here: this day holds old and new objects, the days after it only old ones
        crash_point("publish-moved")
        for name in swap["old"]:  # … old ones after
            lake.delete(folder + name)
        if not swap["fresh"]:
            lake.delete(folder, recursive=True)  # a day without rows leaves no folder
    if journal_key:
        lake.delete(journal_key)
    return placed


def recover_publishes(lake, keep_prefix: str | None = None) -> list[str]:
    """Finishes or rolls back every journaled publish a crash interrupted (module docstring).

    keep_prefix: journals under it are left alone (the current execution's own, in flight in
    concurrent steps). Returns the day folders repaired, as `<table prefix><partition>`.
    A journal that is not whole JSON was never complete, so its publish never started: deleted.
    """
    repaired = []
    for _, key, _ in lake.list_files(PUBLISH_JOURNAL_PREFIX):
        if (keep_prefix and key.startswith(keep_prefix)) or not _is_data_file(key):
            continue
        try:
            journal = json.loads(lake.read_text(lake.uri(key))) if key.endswith(".json") else {"days": []}
        except ValueError:
            journal = {"days": []}
        for swap in journal["days"]:
            folder = journal["prefix"] + swap["partition"] + "/"
            present = {k[len(folder) :] for _, k, _ in lake.list_files(folder)}
            finished = all(name in present for name in swap["fresh"])
            leftovers = [name for name in (swap["old"] if finished else swap["fresh"]) if name in present]
            for name in leftovers:
                lake.delete(folder + name)
            if leftovers:
                repaired.append(folder.rstrip("/"))
                if len(leftovers) == len(present):
                    lake.delete(folder, recursive=True)
        lake.delete(key)
    return repaired
