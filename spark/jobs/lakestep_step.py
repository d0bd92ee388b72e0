"""One step: raw days -> views -> stage SQL -> staged per-day writes -> StepResult dict.

StepResult / DayResult have the shapes of src/core/types.ts (camelCase keys). Counts per day D:
- recordsIn: valid, non-late records of the whole raw window whose event day is D (before dedup)
- recordsOut: rows the stage wrote for D; duplicatesDropped = recordsIn - recordsOut
- rejected / late: quarantined records that ARRIVED on D (late is the share with reason `late`)
The reject threshold compares rejected / (all records that arrived on the step's days).
"""
from __future__ import annotations

import datetime as dt
import time
from decimal import ROUND_HALF_UP, Decimal
from typing import Dict, List

from lakestep_raw import read_raw
from lakestep_writer import replace_days, stage

DAY_COLUMN = "record_date"


def to_fixed(x: float, digits: int) -> str:
    """JavaScript's Number.prototype.toFixed: exact binary value, ties away from zero
    (Python's format rounds ties to even: 6.25 -> '6.2' where JS gives '6.3')."""
    return str(Decimal(x).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def reject_threshold_message(dataset: str, days: List[str], rejected: int, total: int, threshold: float) -> str:
    """The message of src/core/errors.ts RejectThresholdError, character for character."""
    share = to_fixed((100 * rejected) / max(total, 1), 1)
    return (
        f"{dataset} {days[0]}…{days[-1]}: {rejected} of {total} records rejected "
        f"({share} %), over the {to_fixed(threshold * 100, 1)} % threshold; "
        f"see rejected_{dataset} for the raw text and reasons"
    )


def _counts(rows, key_index: int = 0) -> Dict:
    return {row[key_index]: row[-1] for row in rows}


def run_step(spark, lake, spec: dict, dataset: dict, sql_text: str, days: List[dt.date], raw_days: List[dt.date]) -> dict:
    """Runs the step and returns its StepResult dict; writes processed/ and rejected/ days unless
    the reject threshold fails the step (then it writes nothing and every day is failed, with
    the counts it would have had).

    Raises whatever Spark raises (bad SQL, store errors): the driver turns it into a failed step.
    """
    from pyspark.sql import functions as F

    started = time.monotonic()
    name, table = dataset["name"], dataset["table"]
    records, rejects = read_raw(spark, lake, dataset, raw_days)

    view_columns = [F.col(f"`{c}`") for c in dataset["columns"]] + [F.col("_source_file"), F.col("_record_index"), F.col("_arrival_day")]
    records.select(*view_columns).createOrReplaceTempView(f"raw_{name}")
    spark.createDataFrame([(d,) for d in days], "day DATE").createOrReplaceTempView("run_days")

    # The rejects this step owns: those that arrived on its output days (rawDays beyond them are
    # read for late records but their rejects belong to the steps computing those days).
    own_rejects = rejects.filter(F.col("arrival_day").isin(days)).persist()
    rejected_by_day_reason = own_rejects.groupBy("arrival_day", "reason").count().collect()
    records_in = _counts(records.filter(F.col("_event_day").isin(days)).groupBy("_event_day").count().collect())
    arrived_valid = records.filter(F.col("_arrival_day").isin(days)).count()

    rejected_by_reason: Dict[str, int] = {}
    rejected_by_day: Dict[dt.date, int] = {}
    late_by_day: Dict[dt.date, int] = {}
    for arrival_day, reason, count in rejected_by_day_reason:
        rejected_by_reason[reason] = rejected_by_reason.get(reason, 0) + count
        rejected_by_day[arrival_day] = rejected_by_day.get(arrival_day, 0) + count
        if reason == "late":
            late_by_day[arrival_day] = late_by_day.get(arrival_day, 0) + count
    rejected_total = sum(rejected_by_reason.values())
    total = arrived_valid + rejected_total
    threshold = float(dataset["rejectThreshold"])
    day_texts = [d.isoformat() for d in days]

    # The SQL runs (and its days are counted) even when the threshold fails the step, so a failed
    # day still reports what it would have written, as the DuckDB engine does.
    out = spark.sql(sql_text)
    if DAY_COLUMN not in out.columns:
        raise ValueError(f"stage SQL for {name} returns no {DAY_COLUMN} column (columns: {', '.join(out.columns)})")
    # The contract says the SELECT keeps only run_days; filtering again guarantees this step
    # never touches a day it does not own.
    out = out.filter(F.col(DAY_COLUMN).isin(days)).persist()
    records_out = _counts(out.groupBy(DAY_COLUMN).count().collect())

    error = None
    if total > 0 and rejected_total / total > threshold:
        error = {"name": "RejectThresholdError", "message": reject_threshold_message(name, day_texts, rejected_total, total, threshold)}
    else:
        staging = f"_staging/{spec['executionId']}/{spec['groupId']}/"
        stage(out, lake, DAY_COLUMN, staging + f"processed/{table}/")
        stage(own_rejects, lake, "arrival_day", staging + f"rejected/{table}/")
        replace_days(lake, staging + f"processed/{table}/", f"processed/{table}/", days)
        replace_days(lake, staging + f"rejected/{table}/", f"rejected/{table}/", days)
        lake.delete(staging, recursive=True)
    out.unpersist()
    own_rejects.unpersist()

    day_results = []
    for day in days:
        n_in, n_out = records_in.get(day, 0), records_out.get(day, 0)
        result = {
            "day": day.isoformat(),
            "status": "failed" if error else "succeeded",
            "recordsIn": n_in,
            "recordsOut": n_out,
            "duplicatesDropped": n_in - n_out,
            "rejected": rejected_by_day.get(day, 0),
            "late": late_by_day.get(day, 0),
        }
        if error:
            result["error"] = dict(error)
        day_results.append(result)
    return {
        "groupId": spec["groupId"],
        "dataset": name,
        "stageVersion": spec["stageVersion"],
        "days": day_results,
        "rejectedByReason": dict(sorted(rejected_by_reason.items())),
        "seconds": round(time.monotonic() - started, 3),
    }
