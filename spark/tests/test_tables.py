"""docs/tables.md on local Spark: processed-input views, aggregates, raw CSV datasets, checks and
metrics. One SparkSession for the whole module (Spark start-up costs seconds).
"""
import datetime as dt
import gzip
import json
import os

import pytest

from lakestep_inputs import partition_files, register_reads
from lakestep_lakefs import LakeFs
from lakestep_session import build_session
from lakestep_step import run_step
from lakestep_writer import with_partition_columns

SQL_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "sql"))
D = dt.date.fromisoformat
DOWNLOADS = "ts TIMESTAMP, user_id BIGINT, project_id BIGINT, client STRING, record_date DATE"
# An aggregate (AggregateConfig JSON: no `raw`).
AGGREGATE = {"name": "downloads_daily", "table": "downloads_daily", "stage": "spark/sql/downloads_daily.sql", "period": "day",
             "reads": [{"table": "file_downloads", "fromDays": -1, "toDays": 0}],
             "output": {"project_id": "bigint", "downloads": "bigint", "users_2d": "bigint", "record_date": "date"},
             "checks": {}, "metrics": {}}
AGG_SQL = """
SELECT f.project_id, CAST(SUM(CASE WHEN f.record_date = r.day THEN 1 ELSE 0 END) AS BIGINT) AS downloads,
       COUNT(DISTINCT f.user_id) AS users_2d, r.day AS record_date
FROM run_days r JOIN file_downloads f ON f.record_date BETWEEN date_sub(r.day, 1) AND r.day
GROUP BY f.project_id, r.day
"""


@pytest.fixture(scope="module")
def spark():
    session = build_session("lakestep-test-tables", {
        "spark.master": "local[2]", "spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "2",
        "spark.hadoop.fs.file.impl": "org.apache.hadoop.fs.RawLocalFileSystem",
    })
    yield session
    session.stop()


def write(root, key, data):
    path = os.path.join(root, key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def files_under(root, prefix):
    base = os.path.join(root, prefix)
    return sorted(os.path.relpath(os.path.join(d, f), base) for d, _, fs in os.walk(base) for f in fs)


def write_processed(spark, root, table, rows, ddl=DOWNLOADS):
    """Writes rows as processed/<table>/ day partitions, as the driver lays them out."""
    df = spark.createDataFrame(rows, ddl)
    with_partition_columns(df, "record_date").write.mode("append").partitionBy("year", "month", "day").parquet(f"file://{root}/processed/{table}")


def download(day, user, project, client="PYTHON", hour=10):
    d = D(day)
    return (dt.datetime(d.year, d.month, d.day, hour), user, project, client, d)


def spec(table, days, raw_days=(), reads=(), checks=(), metrics=None, output_schema=None, group="g1"):
    s = {"executionId": "e1", "groupId": group, "dataset": table, "days": list(days), "rawDays": list(raw_days),
         "reads": list(reads), "period": "day", "checks": list(checks), "metrics": metrics or {},
         "stageSql": f"spark/sql/{table}.sql", "stageVersion": "v1", "resultKey": f"_results/{group}.json"}
    if output_schema is not None:
        s["outputSchema"] = output_schema
    return s


def run(spark, root, step, table_cfg, sql):
    lake = LakeFs(spark, f"file://{root}/")
    return run_step(spark, lake, step, table_cfg, sql, [D(d) for d in step["days"]], [D(d) for d in step["rawDays"]])


# ---------------------------------------------------------------------------------------------
# processed inputs


def test_a_read_is_a_view_of_its_day_partitions_only_without_partition_columns(spark, tmp_path):
    root = str(tmp_path)
    write_processed(spark, root, "file_downloads", [download(f"2024-03-0{d}", d, 1) for d in range(1, 6)])
    # A day outside the range that Spark could not even read: a read of it would fail the test.
    write(root, "processed/file_downloads/year=2024/month=03/day=07/part-0.parquet", "not parquet")
    lake = LakeFs(spark, f"file://{root}/")

    counts = register_reads(spark, lake, [{"table": "file_downloads", "from": "2024-03-02", "to": "2024-03-04"}])

    view = spark.table("file_downloads")
    assert view.columns == ["ts", "user_id", "project_id", "client", "record_date"]
    assert sorted(r.user_id for r in view.collect()) == [2, 3, 4]
    assert counts == {"file_downloads": len(partition_files(lake, "file_downloads", D("2024-03-02"), D("2024-03-04")))} and counts["file_downloads"] >= 3
    # the plan reads exactly the listed files: no scan of the table root
    plan = view._jdf.queryExecution().executedPlan().toString()
    assert "day=05" not in plan and "day=07" not in plan and "day=01" not in plan


def test_a_range_without_partitions_is_an_empty_view_with_the_declared_columns(spark, tmp_path):
    root = str(tmp_path)
    write_processed(spark, root, "file_downloads", [download("2024-03-01", 1, 1)])
    lake = LakeFs(spark, f"file://{root}/")
    columns = {"ts": "timestamp", "user_id": "bigint", "project_id": "bigint", "client": "string", "record_date": "date"}

    register_reads(spark, lake, [{"table": "file_downloads", "from": "2024-04-01", "to": "2024-04-03", "columns": columns},
                                 {"table": "never_written", "from": "2024-04-01", "to": "2024-04-03", "columns": {"n": "bigint"}}])

    view = spark.table("file_downloads")
    assert view.columns == ["ts", "user_id", "project_id", "client", "record_date"] and view.count() == 0
    assert dict(view.dtypes)["ts"] == "timestamp"
    # a table never written: its declared columns, no rows
    assert spark.table("never_written").dtypes == [("n", "bigint")] and spark.table("never_written").count() == 0


# ---------------------------------------------------------------------------------------------
# aggregates, checks, metrics


def seed_downloads(spark, root):
    write_processed(spark, root, "file_downloads", [
        download("2024-03-01", 1, 10), download("2024-03-01", 2, 10),
        download("2024-03-02", 1, 10), download("2024-03-02", 3, None),  # NULL project on 03-02
        download("2024-03-03", 1, 10), download("2024-03-03", 4, 20), download("2024-03-03", 4, 20),
    ])
    # what the aggregate published before: day 02 must stay as it is when its check fails
    write(root, "processed/downloads_daily/year=2024/month=03/day=02/old.parquet", "old")
    write(root, "processed/downloads_daily/year=2024/month=03/day=03/old.parquet", "old")


def test_an_aggregate_step_end_to_end_through_main(spark, tmp_path):
    from lakestep_driver import main

    root = str(tmp_path)
    seed_downloads(spark, root)
    write(root, "agg.sql", AGG_SQL)
    step = spec("downloads_daily", ["2024-03-03", "2024-03-04"], reads=[{"table": "file_downloads", "from": "2024-03-02", "to": "2024-03-04"}],
                metrics={"downloads_total": "sum(downloads)", "projects": "count(*)"})

    code = main(["--spec", json.dumps(step), "--lake-root", f"file://{root}/", "--dataset", json.dumps(AGGREGATE), "--sql", f"file://{root}/agg.sql"])

    assert code == 0
    with open(os.path.join(root, step["resultKey"])) as f:
        result = json.load(f)
    assert result["days"] == [
        {"day": "2024-03-03", "status": "succeeded", "recordsIn": 3, "recordsOut": 3, "duplicatesDropped": 0, "rejected": 0, "late": 0,
         "metrics": {"downloads_total": 3, "projects": 3}},
        # no input rows on 03-04 other than 03-03's (window D-1 … D): rows with downloads 0
        {"day": "2024-03-04", "status": "succeeded", "recordsIn": 2, "recordsOut": 2, "duplicatesDropped": 0, "rejected": 0, "late": 0,
         "metrics": {"downloads_total": 0, "projects": 2}},
    ]
    assert result["rejectedByReason"] == {}
    days = [os.path.join(root, f"processed/downloads_daily/year=2024/month=03/day={d}") for d in ("03", "04")]
    rows = spark.read.parquet(*days).orderBy("record_date", "project_id").collect()
    assert [(str(r.record_date), r.project_id, r.downloads, r.users_2d) for r in rows] == [
        ("2024-03-03", None, 0, 1), ("2024-03-03", 10, 1, 1), ("2024-03-03", 20, 2, 1),
        ("2024-03-04", 10, 0, 1), ("2024-03-04", 20, 0, 1)]
    assert "year" not in rows[0].asDict()
    # day 02 is not the step's: untouched; day 03's old object replaced
    assert files_under(root, "processed/downloads_daily")[0] == "year=2024/month=03/day=02/old.parquet"
    assert not os.path.exists(os.path.join(root, "rejected"))


def test_a_blocking_check_keeps_its_days_partition_while_a_passing_day_is_written(spark, tmp_path):
    root = str(tmp_path)
    seed_downloads(spark, root)
    checks = [
        {"name": "not_null_project_id", "severity": "blocking", "sql": "SELECT * FROM stage_output WHERE project_id IS NULL"},
        {"name": "users_at_most_1", "severity": "warning", "sql": "SELECT * FROM stage_output WHERE users_2d > 1"},
    ]
    step = spec("downloads_daily", ["2024-03-02", "2024-03-03"], reads=[{"table": "file_downloads", "from": "2024-03-01", "to": "2024-03-03"}],
                checks=checks, metrics={"unattributed": "sum(CASE WHEN project_id IS NULL THEN downloads ELSE 0 END)"})

    result = run(spark, root, step, AGGREGATE, AGG_SQL)

    day2, day3 = result["days"]
    # 03-02: project 10 (users 1, 2 → warning) and NULL (blocking); 03-03: project NULL again (03-02's download in its window)
    assert day2["status"] == "failed"
    assert day2["error"] == {"name": "CheckFailedError", "message": "'not_null_project_id' failed: 1 row (day 2024-03-02)"}
    assert [(c["name"], c["severity"], c["failingRows"]) for c in day2["checks"]] == [
        ("not_null_project_id", "blocking", 1), ("users_at_most_1", "warning", 1)]
    assert day2["checks"][0]["sample"] == [{"project_id": None, "downloads": 1, "users_2d": 1, "record_date": "2024-03-02"}]
    assert day2["metrics"] == {"unattributed": 1} and day2["recordsOut"] == 2
    assert day3["status"] == "failed" and day3["error"]["message"] == "'not_null_project_id' failed: 1 row (day 2024-03-03)"
    # both failed: neither partition changed
    assert files_under(root, "processed/downloads_daily") == ["year=2024/month=03/day=02/old.parquet", "year=2024/month=03/day=03/old.parquet"]

    # Now only 03-02 is bad: 03-03's window (02 … 03) still holds the NULL; give 03-03 a narrower SQL window
    narrow = AGG_SQL.replace("date_sub(r.day, 1)", "r.day")
    result = run(spark, root, {**step, "groupId": "g2"}, AGGREGATE, narrow)

    day2, day3 = result["days"]
    assert day2["status"] == "failed" and day3["status"] == "succeeded" and "error" not in day3
    assert "checks" not in day3 and day3["metrics"] == {"unattributed": 0}
    assert [(c["name"], c["failingRows"]) for c in day2["checks"]] == [("not_null_project_id", 1)]
    files = files_under(root, "processed/downloads_daily")
    assert [f for f in files if "day=02" in f] == ["year=2024/month=03/day=02/old.parquet"]
    assert all(f.startswith("year=2024/month=03/day=03/part-") for f in files if "day=02" not in f) and len(files) >= 2
    rows = spark.read.parquet(os.path.join(root, "processed/downloads_daily/year=2024/month=03/day=03")).orderBy("project_id").collect()
    assert [(r.project_id, r.downloads) for r in rows] == [(10, 1), (20, 2)]


def test_a_warning_check_is_reported_and_its_day_written(spark, tmp_path):
    root = str(tmp_path)
    seed_downloads(spark, root)
    checks = [{"name": "accepted_values_project_id", "severity": "warning",
               "sql": "SELECT * FROM stage_output WHERE project_id IS NOT NULL AND project_id NOT IN (10)"}]
    narrow = AGG_SQL.replace("date_sub(r.day, 1)", "r.day")
    step = spec("downloads_daily", ["2024-03-03"], reads=[{"table": "file_downloads", "from": "2024-03-03", "to": "2024-03-03"}], checks=checks)

    (day,) = run(spark, root, step, AGGREGATE, narrow)["days"]

    assert day["status"] == "succeeded" and "error" not in day
    assert day["checks"] == [{"name": "accepted_values_project_id", "severity": "warning", "failingRows": 1,
                              "sample": [{"project_id": 20, "downloads": 2, "users_2d": 1, "record_date": "2024-03-03"}]}]
    written = files_under(root, "processed/downloads_daily/year=2024/month=03/day=03")
    assert written and all(f.startswith("part-") for f in written)


def test_check_samples_keep_at_most_5_rows_a_day(spark, tmp_path):
    root = str(tmp_path)
    write_processed(spark, root, "file_downloads", [download("2024-03-03", u, None) for u in range(7)])
    checks = [{"name": "not_null_user", "severity": "blocking", "sql": "SELECT * FROM stage_output WHERE project_id IS NULL"}]
    sql = "SELECT user_id, project_id, record_date FROM file_downloads"
    step = spec("downloads_daily", ["2024-03-03"], reads=[{"table": "file_downloads", "from": "2024-03-03", "to": "2024-03-03"}], checks=checks)

    (day,) = run(spark, root, step, AGGREGATE, sql)["days"]

    assert day["error"]["message"] == "'not_null_user' failed: 7 rows (day 2024-03-03)"
    assert [r["user_id"] for r in day["checks"][0]["sample"]] == [0, 1, 2, 3, 4]
    assert not os.path.exists(os.path.join(root, "processed/downloads_daily"))


def test_a_schema_mismatch_fails_every_day_of_the_step_and_writes_nothing(spark, tmp_path):
    root = str(tmp_path)
    seed_downloads(spark, root)
    declared = {"project_id": "bigint", "downloads": "string", "users_2d": "bigint", "share": "double", "record_date": "date"}
    # users_2d as INT (COUNT DISTINCT cast down): int is not bigint
    sql = AGG_SQL.replace("COUNT(DISTINCT f.user_id) AS users_2d", "CAST(COUNT(DISTINCT f.user_id) AS INT) AS users_2d, 'x' AS extra")
    checks = [{"name": "not_null_share", "severity": "blocking", "sql": "SELECT * FROM stage_output WHERE share IS NULL"}]
    step = spec("downloads_daily", ["2024-03-03", "2024-03-04"], reads=[{"table": "file_downloads", "from": "2024-03-02", "to": "2024-03-04"}],
                checks=checks, output_schema=declared)

    result = run(spark, root, step, AGGREGATE, sql)

    expected_sample = [
        {"column": "downloads", "expected": "string", "actual": "bigint"},
        {"column": "users_2d", "expected": "bigint", "actual": "int"},
        {"column": "share", "expected": "double", "actual": None},
        {"column": "extra", "expected": None, "actual": "string"},
    ]
    for day in result["days"]:
        assert day["status"] == "failed"
        assert day["error"] == {"name": "CheckFailedError", "message": f"'schema' failed: 4 rows (day {day['day']})"}
        # the check naming the missing column cannot run: only the schema outcome
        assert day["checks"] == [{"name": "schema", "severity": "blocking", "failingRows": 4, "sample": expected_sample}]
    assert files_under(root, "processed/downloads_daily") == ["year=2024/month=03/day=02/old.parquet", "year=2024/month=03/day=03/old.parquet"]


def test_a_matching_schema_passes(spark, tmp_path):
    root = str(tmp_path)
    seed_downloads(spark, root)
    step = spec("downloads_daily", ["2024-03-03"], reads=[{"table": "file_downloads", "from": "2024-03-02", "to": "2024-03-03"}],
                output_schema=AGGREGATE["output"])

    (day,) = run(spark, root, step, AGGREGATE, AGG_SQL)["days"]

    assert day["status"] == "succeeded" and "checks" not in day


# ---------------------------------------------------------------------------------------------
# a raw CSV dataset (node_snapshots: gzip CSV, Hive layout, no eventTime), with the real stage SQL

NODES = {"name": "node_snapshots", "raw": {"prefix": "raw/node_snapshots/", "format": "csv"}, "stage": "spark/sql/node_snapshots.sql",
         "table": "node_snapshots", "reads": [], "lateDays": 1, "rejectThreshold": 0.5, "required": ["ID", "PROJECT_ID", "TIMESTAMP"],
         "columns": {"ID": "bigint", "PROJECT_ID": "bigint", "NODE_TYPE": "string", "TIMESTAMP": "bigint"},
         "output": {"node_id": "bigint", "project_id": "bigint", "node_type": "string", "entered_at": "timestamp", "record_date": "date"},
         "checks": {}, "metrics": {}}
MS = 1709632800000  # 2024-03-05T10:00:00Z


def test_a_csv_snapshot_dataset_end_to_end(spark, tmp_path):
    root = str(tmp_path)
    header = "ID,PROJECT_ID,NODE_TYPE,TIMESTAMP,CREATED_BY\n"
    dump5 = header + f'1,10,file,{MS},"a, b"\n2,10,"ta""ble",{MS},x\n1,10,file,{MS},dup\n3,,file,{MS},x\n4,20,file,{MS}\n'
    write(root, "raw/node_snapshots/year=2024/month=03/day=05/dump.csv.gz", gzip.compress(dump5.encode()))
    # the neighbouring dumps are read (lateDays 1) but their rows belong to their own days
    write(root, "raw/node_snapshots/year=2024/month=03/day=04/dump.csv.gz", gzip.compress((header + f"9,90,file,{MS - 10 * 86_400_000},x\n").encode()))
    write(root, "processed/node_snapshots/year=2024/month=03/day=05/old.parquet", "old")
    checks = [{"name": "not_null_node_type", "severity": "warning", "sql": "SELECT * FROM stage_output WHERE node_type IS NULL"}]
    step = spec("node_snapshots", ["2024-03-05"], raw_days=["2024-03-04", "2024-03-05", "2024-03-06"], checks=checks,
                output_schema=NODES["output"], metrics={"nodes": "count(DISTINCT node_id)"})
    with open(os.path.join(SQL_DIR, "node_snapshots.sql")) as f:
        sql = f.read()

    (day,) = run(spark, root, step, NODES, sql)["days"]

    assert day == {"day": "2024-03-05", "status": "succeeded", "recordsIn": 3, "recordsOut": 2, "duplicatesDropped": 1,
                   "rejected": 2, "late": 0, "metrics": {"nodes": 2}}
    rows = spark.read.parquet(os.path.join(root, "processed/node_snapshots/year=2024/month=03/day=05")).orderBy("node_id").collect()
    assert [(r.node_id, r.project_id, r.node_type, r.entered_at) for r in rows] == [
        (1, 10, "file", dt.datetime(2024, 3, 5, 10)), (2, 10, 'ta"ble', dt.datetime(2024, 3, 5, 10))]
    assert not any(f.endswith("old.parquet") for f in files_under(root, "processed/node_snapshots"))
    rejected = spark.read.parquet(os.path.join(root, "rejected/node_snapshots")).orderBy("record_index").collect()
    assert [(r.record_index, r.reason, r.detail, r.raw_text) for r in rejected] == [
        (3, "missing_field", "PROJECT_ID", f"3,,file,{MS},x"), (4, "invalid_csv", "expected 5 fields, got 4", f"4,20,file,{MS}")]
