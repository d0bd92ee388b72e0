"""The driver's export mode (README "Exports"): each export's SELECT over the project's tables, run with
Spark, its rows written as one JSON array to the export's execution key, then copied to its latest key.

The ExportSpec (src/core/exportSpec.ts builds it):

    {"executionId": "...", "resultKey": "_runs/<execution>/exports.result.json",
     "exports": [{"name": "project_downloads_28d", "sql": "SELECT ...",
                  "key": "exports/project_downloads_28d/<execution>.json",
                  "latestKey": "exports/project_downloads_28d/latest.json",
                  "reads": [{"table": "project_downloads_daily", "columns": {"project_id": "bigint", ...},
                             "partitionColumns": ["record_date"]}]}]}

Each table read is a temp view over every data file of `processed/<table>/`, as the catalog shows it
(the local DuckDB catalog, Glue for Athena): the table's columns, then its partition columns as
strings (`record_date = '2024-03-05'`, `month = '03'`). A table with no file yet is an empty view of
its declared columns. Value rules: spec/vectors/export-json/values.json (the DuckDB side checks them too).

The result written to `resultKey`: {"exports": {name: {"key", "rows"} | {"error"}}, "seconds"}: one
export whose SQL fails does not stop the others.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from decimal import Decimal

from lakestep_inputs import SPARK_TYPES, is_data_file

# JSON numbers beyond this lose digits in JavaScript (Number.MAX_SAFE_INTEGER): written as decimal text
MAX_SAFE_INTEGER = 2**53 - 1
# Timestamps as JavaScript's Date.toISOString() writes them (milliseconds, UTC); the session is in UTC
ISO_TIMESTAMP = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"


def json_value(value):
    """One collected value -> its JSON-safe form (spec/vectors/export-json/values.json).

    int: itself when a safe integer, else its decimal text; float NaN/±inf: None (JSON has no such
    number); Decimal: float; date: `YYYY-MM-DD`; datetime (only nested ones reach here, top-level
    timestamps are formatted by Spark): ISO UTC with milliseconds; lists and Rows/dicts recursively.
    """
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value if abs(value) <= MAX_SAFE_INTEGER else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return json_value(float(value))
    if isinstance(value, dt.datetime):
        # PySpark gives a naive datetime in the Python process's local time
        utc = value.astimezone(dt.timezone.utc)  # a naive one is taken as local time, as PySpark made it
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)) and not hasattr(value, "asDict"):
        return [json_value(v) for v in value]
    if hasattr(value, "asDict"):
        return {k: json_value(v) for k, v in value.asDict().items()}
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    return str(value)


def json_rows(df) -> list[dict]:
    """The rows of `df` as JSON-safe dicts, keys in column order (top-level timestamps formatted by Spark)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import TimestampType

    shaped = df.select(
        *[
            F.date_format(F.col(f"`{field.name}`"), ISO_TIMESTAMP).alias(field.name)
            if isinstance(field.dataType, TimestampType)
            else F.col(f"`{field.name}`")
            for field in df.schema.fields
        ]
    )
    names = shaped.columns
    return [{name: json_value(row[i]) for i, name in enumerate(names)} for row in shaped.collect()]


def table_view(spark, lake, table: str, columns: dict, partition_columns: list):
    """The DataFrame of every data file under processed/<table>/ with its partition columns as strings;
    empty (declared columns, then the partition columns) when the table has no file yet."""
    from pyspark.sql import functions as F

    prefix = f"processed/{table}/"
    files = [q for q, key, _ in lake.list_files(prefix) if is_data_file(key[len(prefix) :])]
    if not files:
        ddl = ", ".join(
            [f"`{name}` {SPARK_TYPES[kind]}" for name, kind in columns.items() if name not in partition_columns]
            + [f"`{name}` string" for name in partition_columns]
        )
        return spark.createDataFrame([], ddl)
    # partition values stay text, as Glue types them (month = '03', not 3)
    spark.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
    df = spark.read.option("basePath", lake.uri(prefix)).parquet(*files)
    for column in partition_columns:
        df = df.withColumn(column, F.col(column).cast("string"))
    return df


def run_export(spark, lake, exp: dict) -> int:
    """Registers the views of `exp.reads`, runs `exp.sql` and writes the rows to `exp.key`, then to
    `exp.latestKey` (a reader of latest never sees a package older than the last one fully written).

    Returns the number of rows. Raises ValueError when the SQL is not one query; Spark's
    AnalysisException / ParseException as they come.
    """
    for read in exp["reads"]:
        table_view(
            spark, lake, read["table"], read.get("columns", {}), read.get("partitionColumns", [])
        ).createOrReplaceTempView(read["table"])
    sql = exp["sql"].strip().rstrip(";")
    if not sql.lower().startswith(("select", "with")):
        raise ValueError(f"its sql is not a SELECT (starts with {sql.split()[0]!r} if any); an export is one query")
    rows = json_rows(spark.sql(sql))
    # laid out as the TypeScript store writes JSON (JSON.stringify(rows, null, 2)), UTF-8 unescaped
    text = json.dumps(rows, indent=2, allow_nan=False, ensure_ascii=False) + "\n"
    lake.write_text(exp["key"], text)
    lake.write_text(exp["latestKey"], text)
    return len(rows)


def run_exports(spark, lake, spec: dict) -> dict:
    """Every export of `spec`, each on its own (a failing one is reported and the others go on).

    Returns the ExportResult {"exports": {name: {"key", "rows"} | {"error"}}, "seconds"}.
    """
    started = time.monotonic()
    outcomes: dict = {}
    for exp in spec["exports"]:
        try:
            outcomes[exp["name"]] = {"key": exp["key"], "rows": run_export(spark, lake, exp)}
        except Exception as err:  # noqa: BLE001 — an export's failure is its outcome, named in the result
            first = str(err).strip().splitlines()[0] if str(err).strip() else ""
            outcomes[exp["name"]] = {"error": f"its sql failed on Spark: {type(err).__name__}: {first}"}
    return {"exports": outcomes, "seconds": round(time.monotonic() - started, 3)}
