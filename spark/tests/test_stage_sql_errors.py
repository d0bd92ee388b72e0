"""The shared stage SQL error cases (spec/vectors/stage-sql-errors/cases.json) on the driver's rule;
jest runs the DuckDB cases through src/local/duckdb/stage.ts (test/unit/local/stageSqlErrors.test.ts)."""

import json
import os

import pytest
from conftest import ROOT
from lakestep_step import stage_error_message

with open(os.path.join(ROOT, "spec", "vectors", "stage-sql-errors", "cases.json")) as f:
    CASES = [case for case in json.load(f)["cases"] if case["engine"] == "spark"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_a_spark_error_names_the_stage_file_and_its_line(case):
    assert stage_error_message(case["error"], case["sqlPath"]) == case["expected"]
