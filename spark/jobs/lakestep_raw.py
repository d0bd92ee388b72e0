"""Raw files of a step's arrival days -> the records relation -> the generated SQL's tables.

No record is parsed or typed in Python: the Java helper (spark/java, `lakestep.SplitRaw`, shipped with
--jars) splits each file's bytes into records inside Spark, Spark's Parquet reader reads Parquet, and
the statements TypeScript generated (StepSpec.raw.sql, src/core/rawSql) type, check and quarantine
them. This module only lists the files and puts the input relations of src/core/rawSql/contract.ts
in place: `raw_files`, `raw_records`, `splitter_rejects` (and the caller's `run_days`).
"""

from __future__ import annotations

import datetime as dt
import json
import re

SPLIT_UDF = "lakestep_split"
SPLIT_CLASS = "lakestep.SplitRaw"
SPLIT_RETURN_TYPE = "array<struct<i:bigint,n:int,t:string,r:string,d:string>>"

# Flag bits the Java helper sets beyond the records relation's (SplitRaw / JsonSplitter constants).
TOO_LARGE, TRUNCATED_GZIP, INVALID_CSV, REPEATED_HEADER = 256, 512, 2048, 4096
# Bits of the records relation (contract.ts RECORD_FLAG): nested, lenient, unbalanced, marked numbers.
RECORD_BITS = 1 | 2 | 4 | 8

# Raw key layouts under the dataset's raw prefix (the same as src/core/rawKeys.ts).
_FIREHOSE = re.compile(r"(\d{4})/(\d{2})/(\d{2})/([01]\d|2[0-3])/[^/]+\Z")
_HIVE = re.compile(r"year=(\d{4})/month=(\d{2})/day=(\d{2})/(?:[^/]+/)*[^/]+\Z")


def arrival_day_of_key(key: str, raw_prefix: str) -> dt.date | None:
    """Arrival day named by a lake-relative raw key, or None outside both accepted layouts.

    >>> arrival_day_of_key("raw/a/2024/03/05/17/f.gz", "raw/a/")
    datetime.date(2024, 3, 5)
    """
    if not key.startswith(raw_prefix):
        return None
    rest = key[len(raw_prefix) :]
    match = _FIREHOSE.match(rest) or _HIVE.match(rest)
    if not match:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:  # 2024/02/30: not a calendar day
        return None


def day_prefixes(raw_prefix: str, day: dt.date) -> list[str]:
    """The two accepted layouts of one arrival day: Firehose `YYYY/MM/DD/` and Hive `year=…/month=…/day=…/`."""
    y, m, d = f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"
    return [f"{raw_prefix}{y}/{m}/{d}/", f"{raw_prefix}year={y}/month={m}/day={d}/"]


def raw_files(lake, raw_prefix: str, raw_days: list[dt.date]) -> list[tuple[str, str, dt.date]]:
    """(qualified path, key, arrival day) of every raw file of `raw_days`, key order.

    Hidden and temporary objects (a file or folder named `.…` or `_…`, e.g. `_SUCCESS`) are not data,
    as in the DuckDB engine; keys in neither layout are skipped, as discovery skips them.
    """
    found = []
    for day in raw_days:
        for day_prefix in day_prefixes(raw_prefix, day):
            for qualified, key, _size in lake.list_files(day_prefix):
                if _hidden(key[len(day_prefix) :]):
                    continue
                if arrival_day_of_key(key, raw_prefix) == day:
                    found.append((qualified, key, day))
    return sorted(found, key=lambda f: f[1])


def _hidden(rest: str) -> bool:
    return any(part.startswith((".", "_")) for part in rest.split("/"))


def split_options(raw: dict) -> str:
    """The Java helper's options JSON (SplitRaw.Options) from StepSpec.raw."""
    columns = []
    for name, column in raw["columns"].items():
        entry = {"name": name, "path": column.get("path") or name}
        if column.get("position") is not None:
            entry["position"] = column["position"]
        columns.append(entry)
    options = {"format": raw["format"], "maxRecordBytes": raw["maxRecordBytes"], "columns": columns}
    if raw.get("maxFileBytes"):
        options["maxFileBytes"] = raw["maxFileBytes"]
    if raw.get("csv"):
        options["csv"] = raw["csv"]
    return json.dumps(options, separators=(",", ":"))


def register_split_udf(spark) -> None:
    """Registers the Java helper's UDF (its jar must be on the classpath: spark-submit --jars)."""
    from pyspark.sql.types import _parse_datatype_string

    spark.udf.registerJavaFunction(SPLIT_UDF, SPLIT_CLASS, _parse_datatype_string(SPLIT_RETURN_TYPE))


def register_raw_relations(spark, lake, raw: dict, raw_days: list[dt.date]) -> int:
    """Creates the temp views `raw_files`, `raw_records`, `splitter_rejects` of the arrival days read
    and returns the number of repeated CSV headers skipped (counted, not records).

    raw: StepSpec.raw ({prefix, format, csv, maxRecordBytes, columns, sql}).
    """
    from pyspark.sql import functions as F

    files = raw_files(lake, raw["prefix"], raw_days)
    spark.createDataFrame(
        [(k, key, day) for k, (_q, key, day) in enumerate(files)], "file_id INT, source_file STRING, arrival_day DATE"
    ).createOrReplaceTempView("raw_files")
    empty_records = spark.createDataFrame([], "f INT, i BIGINT, n TINYINT, t STRING, r STRING")
    empty_rejects = spark.createDataFrame([], "f INT, i BIGINT, reason STRING, detail STRING, t STRING")
    if not files:
        empty_records.createOrReplaceTempView("raw_records")
        empty_rejects.createOrReplaceTempView("splitter_rejects")
        return 0
    ids = spark.createDataFrame([(k, key) for k, (_q, key, _d) in enumerate(files)], "f INT, key STRING")
    paths = [_escape_glob(qualified) for qualified, _, _ in files]
    root_length = len(lake.qualified_root)

    if raw["format"] == "parquet":
        return _parquet_relations(spark, files, ids, root_length, empty_rejects)

    register_split_udf(spark)
    contents = (
        spark.read.format("binaryFile")
        .load(paths)
        .select(F.expr(f"substr(path, {root_length + 1})").alias("key"), "content")
    )
    split = (
        contents.join(F.broadcast(ids), "key")
        .select("f", F.explode(F.call_udf(SPLIT_UDF, F.col("content"), F.lit(split_options(raw)))).alias("x"))
        .select("f", "x.*")
        .persist()
    )
    special = TOO_LARGE | TRUNCATED_GZIP | INVALID_CSV | REPEATED_HEADER
    split.where(f"(n & {special}) = 0").select(
        "f", "i", F.expr(f"CAST(n & {RECORD_BITS} AS TINYINT)").alias("n"), "t", "r"
    ).createOrReplaceTempView("raw_records")
    split.where(f"(n & {TOO_LARGE | TRUNCATED_GZIP | INVALID_CSV}) <> 0").select(
        "f",
        "i",
        F.expr(
            f"CASE WHEN (n & {TRUNCATED_GZIP}) <> 0 THEN 'truncated_gzip' WHEN (n & {TOO_LARGE}) <> 0 THEN 'too_large' ELSE 'invalid_csv' END"
        ).alias("reason"),
        F.col("d").alias("detail"),
        F.expr("coalesce(r, t)").alias("t"),
    ).createOrReplaceTempView("splitter_rejects")
    return split.where(f"(n & {REPEATED_HEADER}) <> 0").count() if raw["format"] == "csv" else 0


def _parquet_relations(spark, files, ids, root_length: int, empty_rejects) -> int:
    """Parquet: Spark's reader, one record per row (`t` = to_json of the row, `i` its row index in the
    file). A file Spark cannot read as Parquet is one `unreadable_parquet` reject."""
    from pyspark.sql import functions as F

    readable, bad_keys = [], []
    for qualified, key, _day in files:
        try:
            _ = spark.read.parquet(_escape_glob(qualified)).schema  # reads the footer only
            readable.append(_escape_glob(qualified))
        except Exception:  # noqa: BLE001 — any footer error makes the file one reject
            bad_keys.append(key)
    if readable:
        rows = (
            spark.read.option("mergeSchema", "true")
            .parquet(*readable)
            .select(
                F.expr(f"substr(_metadata.file_path, {root_length + 1})").alias("key"),
                F.col("_metadata.row_index").alias("i"),
                F.to_json(F.struct("*"), {"ignoreNullFields": "false"}).alias("t"),  # nulls kept, as DuckDB writes them
            )
        )
        rows.join(F.broadcast(ids), "key").select(
            "f", "i", F.lit(0).cast("tinyint").alias("n"), "t", F.lit(None).cast("string").alias("r")
        ).createOrReplaceTempView("raw_records")
    else:
        spark.createDataFrame([], "f INT, i BIGINT, n TINYINT, t STRING, r STRING").createOrReplaceTempView(
            "raw_records"
        )
    if bad_keys:
        spark.createDataFrame([(k,) for k in bad_keys], "key STRING").join(ids, "key").select(
            "f",
            F.lit(0).cast("bigint").alias("i"),
            F.lit("unreadable_parquet").alias("reason"),
            F.lit("not a readable Parquet file").alias("detail"),
            F.lit("").alias("t"),
        ).createOrReplaceTempView("splitter_rejects")
    else:
        empty_rejects.createOrReplaceTempView("splitter_rejects")
    return 0


def _escape_glob(path: str) -> str:
    # Load paths are glob patterns: escape what Hadoop would read as a pattern.
    for ch in "\\,{}[]*?":
        path = path.replace(ch, "\\" + ch)
    return path
