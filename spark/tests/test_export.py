"""The driver's export mode on local Spark: the shared JSON value vectors, and an ExportSpec end to end
through the driver's main on a tmp lake (views over processed/ as the catalog shows them, the package
at its execution key and latest, one failing export beside a good one)."""

import json
import os

import pytest
from conftest import ROOT, local_session
from lakestep_driver import main
from lakestep_export import json_rows

VECTORS = json.load(open(os.path.join(ROOT, "spec", "vectors", "export-json", "values.json")))["cases"]


@pytest.fixture(scope="module")
def spark():
    session = local_session("lakestep-test-export")
    yield session
    session.stop()


@pytest.mark.parametrize("case", VECTORS, ids=[c["name"] for c in VECTORS])
def test_json_value_vectors(spark, case):
    rows = json_rows(spark.sql(f"SELECT {case['sql']} AS v"))

    # through json, as the package is written (NaN must already be None: allow_nan=False would raise)
    assert json.loads(json.dumps(rows, allow_nan=False)) == [{"v": case["json"]}]


def write_table(spark, root, table, rows_by_folder, ddl):
    for folder, rows in rows_by_folder.items():
        spark.createDataFrame(rows, ddl).coalesce(1).write.mode("overwrite").parquet(
            f"file://{root}/processed/{table}/{folder}"
        )


def export(name, sql, reads):
    return {
        "name": name,
        "sql": sql,
        "key": f"exports/{name}/run-1.json",
        "latestKey": f"exports/{name}/latest.json",
        "reads": reads,
    }


DAILY = {
    "table": "daily",
    "columns": {"project_id": "bigint", "downloads": "bigint", "record_date": "date"},
    "partitionColumns": ["record_date"],
}
ACCESS = {
    "table": "access",
    "columns": {"n": "bigint", "at": "timestamp"},
    "partitionColumns": ["year", "month", "day"],
}
NEVER_WRITTEN = {
    "table": "later",
    "columns": {"x": "bigint", "record_date": "date"},
    "partitionColumns": ["record_date"],
}


def test_export_mode_writes_each_package_to_its_keys_and_the_result(spark, tmp_path):
    root = str(tmp_path)
    write_table(
        spark,
        root,
        "daily",
        {"record_date=2024-03-04": [(1, 5), (2, 9)], "record_date=2024-03-05": [(1, 7), (2, 3)]},
        "project_id bigint, downloads bigint",
    )
    write_table(
        spark, root, "access", {"year=2024/month=03/day=05": [(1, "2024-03-05 10:00:00.5")]}, "n bigint, at string"
    )
    spec = {
        "executionId": "arn:aws:states:us-east-1:1:execution:sm:run-1",
        "resultKey": "_runs/run-1/exports.result.json",
        "exports": [
            export(
                "latest_day",
                "SELECT record_date AS as_of, project_id, downloads FROM daily "
                "WHERE record_date = (SELECT max(record_date) FROM daily) ORDER BY downloads DESC",
                [DAILY],
            ),
            export(
                "access_parts",
                "SELECT year, month, day, n, CAST(at AS TIMESTAMP) AS at, (SELECT count(*) FROM later) AS later_rows FROM access",
                [ACCESS, NEVER_WRITTEN],
            ),
            export("broken", "SELECT no_such_column FROM daily", [DAILY]),
        ],
    }

    code = main(["--export", json.dumps(spec), "--lake-root", f"file://{root}/"])

    assert code == 0
    latest_day = [
        {"as_of": "2024-03-05", "project_id": 1, "downloads": 7},
        {"as_of": "2024-03-05", "project_id": 2, "downloads": 3},
    ]
    for key in ("exports/latest_day/run-1.json", "exports/latest_day/latest.json"):
        assert json.load(open(os.path.join(root, key))) == latest_day
    # partition columns are text as Glue types them ('03', not 3); a table never written is empty
    assert json.load(open(os.path.join(root, "exports/access_parts/latest.json"))) == [
        {"year": "2024", "month": "03", "day": "05", "n": 1, "at": "2024-03-05T10:00:00.500Z", "later_rows": 0}
    ]
    result = json.load(open(os.path.join(root, "_runs/run-1/exports.result.json")))
    assert result["exports"]["latest_day"] == {"key": "exports/latest_day/run-1.json", "rows": 2}
    assert result["exports"]["access_parts"] == {"key": "exports/access_parts/run-1.json", "rows": 1}
    assert "no_such_column" in result["exports"]["broken"]["error"]
    assert not os.path.exists(os.path.join(root, "exports/broken"))


def test_export_mode_refuses_a_statement_that_is_not_a_query(spark, tmp_path):
    root = str(tmp_path)
    spec = {
        "executionId": "run-2",
        "resultKey": "_runs/run-2/exports.result.json",
        "exports": [export("drop", "DROP TABLE daily", [DAILY])],
    }

    assert main(["--export", json.dumps(spec), "--lake-root", f"file://{root}/"]) == 0

    result = json.load(open(os.path.join(root, "_runs/run-2/exports.result.json")))
    assert "not a SELECT" in result["exports"]["drop"]["error"]
