"""The shared raw-record vectors (spec/vectors/raw-records/*.json, shape in test/helpers/rawVectors.ts) on
the Spark reader: the Java helper splits, Spark's Parquet reader reads, the generated Spark SQL types
and quarantines. jest runs the same cases on DuckDB (test/integration/rawVectors.test.ts)."""

import base64
import glob
import gzip
import json
import os

import pytest
from conftest import ROOT, table_spec_fields
from lakestep_lakefs import LakeFs
from lakestep_raw import arrival_day_of_key, register_raw_relations
from lakestep_session import build_session

VECTORS = sorted(glob.glob(os.path.join(ROOT, "spec", "vectors", "raw-records", "*.json")))
PREFIX = "raw/x/"


@pytest.fixture(scope="module")
def spark():
    session = build_session(
        "lakestep-test-vectors",
        {
            "spark.master": "local[2]",
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "2",
            "spark.hadoop.fs.file.impl": "org.apache.hadoop.fs.RawLocalFileSystem",
        },
    )
    yield session
    session.stop()


def file_bytes(f):
    if "base64" in f:
        return base64.b64decode(f["base64"])
    if "gzip" in f:
        return gzip.compress(f["gzip"].encode())
    return f.get("text", "").encode()


def config_of(vector):
    """The vector's dataset as the config loader takes it (as test/helpers/rawVectors.ts vectorDataset)."""
    ds = {"stage": "spark/sql/x.sql", "table": "x", "output": {"x": "string"}, "required": [], **vector["dataset"]}
    ds["raw"] = {"prefix": PREFIX, **vector["dataset"]["raw"]}
    return ds


def as_json_value(value):
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53 - 1:
        return str(value)
    return value


def test_there_are_vectors():
    assert len(VECTORS) > 10


@pytest.mark.parametrize("path", VECTORS, ids=[os.path.basename(p) for p in VECTORS])
def test_vector(spark, tmp_path, path):
    with open(path, encoding="utf-8") as f:
        vector = json.load(f)
    for entry in vector["files"]:
        target = tmp_path / entry["key"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(file_bytes(entry))
    days = sorted({arrival_day_of_key(e["key"], PREFIX) for e in vector["files"]})
    fields = table_spec_fields({"x": config_of(vector)}, "x", "e1", "g1", [d.isoformat() for d in days])
    raw, sql = fields["raw"], fields["raw"]["sql"]
    lake = LakeFs(spark, f"file://{tmp_path}/")
    spark.createDataFrame([(d,) for d in days], "day DATE").createOrReplaceTempView("run_days")
    register_raw_relations(spark, lake, raw, days)
    spark.sql(sql["classified"]).createOrReplaceTempView("classified")
    spark.sql(sql["rawView"]).createOrReplaceTempView(sql["rawViewName"])

    columns = []
    for name, column in raw["columns"].items():
        if column["type"] == "timestamp":
            columns.append(f"date_format(`{name}`, \"yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'\") AS `{name}`")
        else:
            columns.append(f"`{name}`")
    records = spark.sql(
        f"SELECT _source_file, CAST(_record_index AS INT) AS _record_index, {', '.join(columns)} "
        f"FROM {sql['rawViewName']} ORDER BY _source_file, _record_index"
    ).collect()
    rejects = spark.sql(
        f"SELECT source_file, CAST(record_index AS INT) AS record_index, reason, detail, raw_text FROM ({sql['rejects']}) "
        "ORDER BY source_file, record_index"
    ).collect()

    assert [{k: as_json_value(v) for k, v in r.asDict().items()} for r in records] == vector["records"]
    expected = vector["rejects"]
    actual = [
        dict(r.asDict(), detail=None) if k < len(expected) and expected[k]["detail"] is None else r.asDict()
        for k, r in enumerate(rejects)
    ]
    assert actual == expected
