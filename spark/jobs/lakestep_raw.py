"""Raw files of a step's arrival days -> two DataFrames (valid records, rejects) with explicit schemas.

Splitting and quarantine happen in Python per file (lakestep_records.file_records) over
`binaryFiles`, so gzip detection, truncated-gzip detection, the `}{` splitter and the CSV rules
(`raw.format: csv`) are ours, not Hadoop's codecs or Spark's JSON/CSV readers (which infer schemas
and drop malformed rows their own way).
"""
from __future__ import annotations

import datetime as dt
from typing import List, Tuple

from lakestep_records import arrival_day_of_key, file_records

SPARK_TYPES = {"string": "STRING", "bigint": "BIGINT", "boolean": "BOOLEAN", "double": "DOUBLE"}

REJECT_COLUMNS = "arrival_day DATE, source_file STRING, record_index BIGINT, reason STRING, detail STRING, event_day DATE, raw_text STRING"


def raw_schema_ddl(dataset: dict) -> str:
    """DDL of the valid-records DataFrame: declared columns (config order, camelCase, quoted), then
    `_source_file STRING, _record_index BIGINT, _arrival_day DATE, _event_day DATE`.

    `_event_day` is for the driver's counts only; the `raw_<dataset>` view leaves it out.
    """
    cols = [f"`{name}` {SPARK_TYPES[kind]}" for name, kind in dataset["columns"].items()]
    return ", ".join(cols + ["_source_file STRING", "_record_index BIGINT", "_arrival_day DATE", "_event_day DATE"])


def day_prefixes(raw_prefix: str, day: dt.date) -> List[str]:
    """The two accepted layouts of one arrival day: Firehose `YYYY/MM/DD/` and Hive `year=…/month=…/day=…/`."""
    y, m, d = f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"
    return [f"{raw_prefix}{y}/{m}/{d}/", f"{raw_prefix}year={y}/month={m}/day={d}/"]


def raw_files(lake, dataset: dict, raw_days: List[dt.date]) -> List[Tuple[str, str, dt.date]]:
    """(qualified path, key, arrival day) of every raw file of `raw_days`, key order.

    Hidden and temporary objects (a file or folder named `.…` or `_…`, e.g. `_SUCCESS`, `.tmp`) are
    not data, as in the DuckDB engine (rawReader.ts). Keys in neither layout (an extra folder level in a Firehose prefix, a bad hour) are skipped,
    as discovery (src/core/rawKeys.ts) skips them.
    """
    prefix = dataset["raw"]["prefix"]
    found = []
    for day in raw_days:
        for day_prefix in day_prefixes(prefix, day):
            for qualified, key, _size in lake.list_files(day_prefix):
                if _hidden(key[len(day_prefix):]):
                    continue
                if arrival_day_of_key(key, prefix) == day:
                    found.append((qualified, key, day))
    return sorted(found, key=lambda f: f[1])


def _hidden(rest: str) -> bool:
    return any(part.startswith((".", "_")) for part in rest.split("/"))


def read_raw(spark, lake, dataset: dict, raw_days: List[dt.date]):
    """(records DataFrame, rejects DataFrame) of the arrival days `raw_days`.

    records: schema raw_schema_ddl(dataset); rejects: REJECT_COLUMNS. Both cover every arrival
    day read (the caller keeps the rejects of its own days). The tagged RDD is persisted because
    both DataFrames and the counts read it.
    """
    files = raw_files(lake, dataset, raw_days)
    sc = spark.sparkContext
    if not files:
        empty = sc.emptyRDD()
        return spark.createDataFrame(empty, raw_schema_ddl(dataset)), spark.createDataFrame(empty, REJECT_COLUMNS)
    meta = sc.broadcast({qualified: (key, day) for qualified, key, day in files})
    # What the workers need; `eventTime` is absent for snapshot dumps (event day = arrival day).
    ds = {k: dataset.get(k) for k in ("raw", "required", "columns", "eventTime", "lateDays")}

    def records_of(item):
        path, stream = item
        key, day = meta.value[path]
        return file_records(key, bytes(stream), day, ds)

    # One partition per file at most 2 per core would be ideal; binaryFiles packs small files
    # together anyway, so ask for enough partitions to use every core.
    paths = ",".join(_escape_glob(qualified) for qualified, _, _ in files)
    tagged = sc.binaryFiles(paths, minPartitions=max(2, sc.defaultParallelism)).flatMap(records_of).persist()
    ok = tagged.filter(lambda t: t[0] == "ok").map(lambda t: t[1])
    rejected = tagged.filter(lambda t: t[0] == "rejected").map(lambda t: t[1])
    return spark.createDataFrame(ok, raw_schema_ddl(dataset)), spark.createDataFrame(rejected, REJECT_COLUMNS)


def _escape_glob(path: str) -> str:
    # binaryFiles takes comma-separated glob patterns: escape what Hadoop would read as a pattern.
    for ch in "\\,{}[]*?":
        path = path.replace(ch, "\\" + ch)
    return path
