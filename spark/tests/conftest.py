"""Puts spark/jobs on the path of the test process and of Spark's Python workers, and the Java
helper (spark/jars/lakestep-spark.jar, built here when out of date) on every SparkSession's classpath."""

import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
JOBS = os.path.join(ROOT, "spark", "jobs")
JAR = os.path.join(ROOT, "spark", "jars", "lakestep-spark.jar")
sys.path.insert(0, JOBS)
# Spark's Python workers are separate processes: they find the lakestep_* modules through PYTHONPATH
# (spark-submit ships them with --py-files instead).
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (JOBS, os.environ.get("PYTHONPATH", "")) if p)
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

subprocess.run(["node", os.path.join(ROOT, "scripts", "build-java.js")], check=True)
# The JVM the tests' sessions share is launched once, with the jar as spark-submit's --jars (as on EMR).
os.environ["PYSPARK_SUBMIT_ARGS"] = f"--jars {JAR} pyspark-shell"


def table_spec_fields(
    datasets: dict,
    table: str,
    execution_id: str,
    group_id: str,
    days: list,
    aggregates: dict = None,
    reads: list = None,
) -> dict:
    """The StepSpec fields LaunchStep derives from a table's config (keys and day folders, generated
    raw SQL, reject threshold; with `reads`, those ranges completed with their columns and day
    folders), computed by the TypeScript that computes them in production (test/helpers/tableSpecFieldsCli.ts)."""
    import json

    tsx = os.path.join(ROOT, "node_modules", ".bin", "tsx")
    request = {
        "datasets": datasets,
        "aggregates": aggregates or {},
        "table": table,
        "executionId": execution_id,
        "groupId": group_id,
        "days": days,
    }
    if reads:
        request["reads"] = reads
    out = subprocess.run(
        [tsx, os.path.join(ROOT, "test", "helpers", "tableSpecFieldsCli.ts")],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "spark: starts a local SparkSession (npm run test:spark; npm test runs the rest)"
    )


def pytest_collection_modifyitems(items):
    """Every test that takes the `spark` fixture is marked `spark`, so `-m "not spark"` is the no-JVM loop."""
    import pytest

    for item in items:
        if "spark" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.spark)


def local_session(app_name: str, extra_conf: dict = None):
    """A local SparkSession with the settings the tests share (two cores, no UI, no .crc side files)."""
    from lakestep_session import build_session

    return build_session(
        app_name,
        {
            "spark.master": "local[2]",
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "2",
            "spark.hadoop.fs.file.impl": "org.apache.hadoop.fs.RawLocalFileSystem",
            **(extra_conf or {}),
        },
    )
