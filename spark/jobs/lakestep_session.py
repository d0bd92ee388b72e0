"""The SparkSession every lakestep step runs in, with the settings correctness depends on."""

from __future__ import annotations

# Why each one matters (design.md, "AWS facts"):
# - partitionOverwriteMode=dynamic: Spark's default (static) overwrite deletes EVERY partition of the
#   target that is not in the output. lakestep stages its writes (lakestep_writer.py) and never
#   overwrites the table root, but any overwrite that does reach a table must only replace the
#   partitions it writes.
# - session time zone UTC: record_date and event days are UTC days whatever the cluster's TZ.
# - TIMESTAMP_MICROS: Parquet TIMESTAMP(MICROS, UTC), the type DuckDB writes and Athena/Glue read;
#   Spark's default INT96 is deprecated and read differently by other engines.
# - escapedStringLiterals=false (Spark's default, pinned): the stage SQL writes regex backslashes
#   doubled ('\\p{L}'), which Spark's parser un-doubles and DuckDB's prelude un-doubles too.
REQUIRED_CONF = {
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.parser.escapedStringLiterals": "false",
}


def build_session(app_name: str = "lakestep", extra_conf: dict | None = None):
    """Gets or creates the SparkSession and pins REQUIRED_CONF on it (set after creation too, so a
    session created earlier by spark-submit or a test cannot miss them).

    extra_conf: more settings, e.g. {"spark.sql.shuffle.partitions": "2"}; REQUIRED_CONF wins.
    """
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    for key, value in {**(extra_conf or {}), **REQUIRED_CONF}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    for key, value in REQUIRED_CONF.items():
        spark.conf.set(key, value)
    return spark
