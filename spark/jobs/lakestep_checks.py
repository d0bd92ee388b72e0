"""Quality gates and metrics over a step's output, before anything is written (docs/tables.md,
"Checks" and "Metrics"; the queries come from src/core/checks.ts through StepSpec).

Everything reads the temp view `stage_output` (the stage's rows of the step's days):
- schema (StepSpec.outputSchema): the output's columns and types, normalised to the config's type
  names, against the declared ones; any difference is a blocking outcome named `schema` on every
  day of the step, one sample row `{column, expected, actual}` per differing column (None where a
  column is absent on that side).
- each StepSpec.checks query: its rows counted per `record_date`; an outcome
  `{name, severity, failingRows, sample}` (sample: up to 5 rows, JSON-able) on each day it hits.
- metrics: `SELECT record_date, <expr> AS <name>, … FROM stage_output GROUP BY record_date`,
  numbers per day, 0 for a day without rows (or whose aggregate is NULL).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math

DAY_COLUMN = "record_date"
SAMPLE_ROWS = 5

# Spark's simpleString -> the config's output type names; anything else keeps Spark's own name
# (e.g. `int`, `decimal(20,0)`), so it differs from every declared type.
_NORMAL = {
    "string": "string",
    "bigint": "bigint",
    "boolean": "boolean",
    "double": "double",
    "date": "date",
    "timestamp": "timestamp",
    "timestamp_ntz": "timestamp",
}


def normal_type(spark_type) -> str:
    """A Spark DataType -> `string|bigint|boolean|double|date|timestamp`, or Spark's own name."""
    name = spark_type.simpleString()
    return _NORMAL.get(name, name)


def schema_differences(df, declared: dict[str, str]) -> list[dict]:
    """`{column, expected, actual}` per column whose presence or type differs (declared order, then
    the output's extra columns in output order). Column order is not compared."""
    actual = {f.name: normal_type(f.dataType) for f in df.schema.fields}
    diffs = [{"column": c, "expected": t, "actual": actual.get(c)} for c, t in declared.items() if actual.get(c) != t]
    diffs += [{"column": c, "expected": None, "actual": t} for c, t in actual.items() if c not in declared]
    return diffs


def json_value(value):
    """A Row value as JSON-able data: dates `YYYY-MM-DD`, timestamps `YYYY-MM-DD HH:MM:SS[.ffffff]`,
    decimals as numbers, non-finite doubles as text, nested rows/lists/maps recursively."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if hasattr(value, "asDict"):
        return {k: json_value(v) for k, v in value.asDict().items()}
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return str(value)


def _row_dict(row) -> dict:
    return {k: json_value(v) for k, v in row.asDict().items()}


def check_outcomes(spark, check: dict, days: list[dt.date]) -> dict[dt.date, dict]:
    """Runs one check query over `stage_output`: day -> CheckOutcome for the days of `days` it hits.

    Samples are the first 5 rows of the day ordered by every column (deterministic for a given
    output). Raises ValueError when the query returns no `record_date` column.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    bad = spark.sql(check["sql"])
    if DAY_COLUMN not in bad.columns:
        raise ValueError(f"check {check['name']} returns no {DAY_COLUMN} column (columns: {', '.join(bad.columns)})")
    bad = bad.filter(F.col(DAY_COLUMN).isin(days)).persist()
    try:
        counts = {r[0]: r[1] for r in bad.groupBy(DAY_COLUMN).count().collect()}
        if not counts:
            return {}
        sortable = [
            F.col(f"`{f.name}`").asc_nulls_first()
            for f in bad.schema.fields
            if f.dataType.typeName() not in ("map", "array", "struct", "binary")
        ]
        order = Window.partitionBy(F.col(DAY_COLUMN)).orderBy(*(sortable or [F.lit(1)]))
        rank = "__lakestep_sample_rank"
        sampled = bad.withColumn(rank, F.row_number().over(order)).filter(F.col(rank) <= SAMPLE_ROWS)
        samples: dict[dt.date, list[tuple]] = {}
        for row in sampled.collect():
            samples.setdefault(row[DAY_COLUMN], []).append((row[rank], _row_dict(row)))
    finally:
        bad.unpersist()
    outcomes = {}
    for day, n in counts.items():
        rows = [r for _, r in sorted(samples.get(day, []), key=lambda x: x[0])]
        for r in rows:
            r.pop(rank, None)
        outcomes[day] = {"name": check["name"], "severity": check["severity"], "failingRows": int(n), "sample": rows}
    return outcomes


def run_gates(spark, out, spec: dict, days: list[dt.date]) -> dict[dt.date, list[dict]]:
    """Schema gate, then each check of spec["checks"] in order: day -> its CheckOutcomes (only days
    some check hit). `out` is the DataFrame registered as `stage_output`.

    A check query Spark cannot run raises (the step fails as a whole), except after a schema
    mismatch, where a query naming a missing column is skipped: every day is failed already.
    """
    outcomes: dict[dt.date, list[dict]] = {}
    schema_failed = False
    declared: dict[str, str] | None = spec.get("outputSchema")
    if declared:
        diffs = schema_differences(out, declared)
        if diffs:
            schema_failed = True
            for day in days:
                outcomes.setdefault(day, []).append(
                    {
                        "name": "schema",
                        "severity": "blocking",
                        "failingRows": len(diffs),
                        "sample": [dict(d) for d in diffs[:SAMPLE_ROWS]],
                    }
                )
    from pyspark.sql.utils import AnalysisException

    for check in spec.get("checks") or []:
        try:
            hits = check_outcomes(spark, check, days)
        except AnalysisException:
            if schema_failed:
                continue
            raise
        for day, outcome in hits.items():
            outcomes.setdefault(day, []).append(outcome)
    return outcomes


def blocking_error(day: dt.date, outcomes: list[dict]) -> dict | None:
    """The DayResult error of the first blocking outcome of the day (src/core/errors.ts
    CheckFailedError message), or None."""
    for outcome in outcomes:
        if outcome["severity"] == "blocking":
            n = outcome["failingRows"]
            return {
                "name": "CheckFailedError",
                "message": f"'{outcome['name']}' failed: {n} row{'' if n == 1 else 's'} (day {day.isoformat()})",
            }
    return None


def _number(value):
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return 0
    return value


def day_metrics(spark, metrics: dict[str, str], days: list[dt.date]) -> dict[dt.date, dict[str, float]]:
    """day -> {metric name: number} for every day of `days` (0 where the day has no rows)."""
    if not metrics:
        return {}
    exprs = ", ".join(f"{expr} AS `{name}`" for name, expr in metrics.items())
    rows = spark.sql(f"SELECT {DAY_COLUMN}, {exprs} FROM stage_output GROUP BY {DAY_COLUMN}").collect()
    by_day = {r[0]: r for r in rows}
    result = {}
    for day in days:
        row = by_day.get(day)
        result[day] = {name: (_number(row[name]) if row is not None else 0) for name in metrics}
    return result
