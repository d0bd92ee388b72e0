"""One step: raw days and processed inputs -> views -> stage SQL -> checks and metrics ->
staged per-day writes of the days that pass -> StepResult dict.

StepResult / DayResult have the shapes of src/core/types.ts (camelCase keys). Counts per day D:
- recordsIn: valid, non-late records of the whole raw window whose event day is D (before dedup);
  for an aggregate (no raw source) recordsIn = recordsOut
- recordsOut: rows the stage returned for D (also for a failed day)
- duplicatesDropped: recordsIn minus the distinct values of the dataset's dedupKey among them (a
  struct with NULL fields is one value, as DuckDB's ROW); without a dedupKey, recordsIn - recordsOut
- rejected / late: quarantined records that ARRIVED on D (late is the share with reason `late`); 0 for aggregates
- checks: the CheckOutcomes of D (key absent when none hit); metrics: spec.metrics of D (absent when none declared)
The reject threshold compares rejected / (all records that arrived on the step's days).
"""

from __future__ import annotations

import datetime as dt
import re
import time

from lakestep_checks import blocking_error, day_metrics, run_gates
from lakestep_inputs import register_reads
from lakestep_raw import register_raw_relations
from lakestep_writer import PUBLISH_JOURNAL_PREFIX, recover_publishes, replace_days, stage

DAY_COLUMN = "record_date"


def percent_text(part: int, whole: int) -> str:
    """src/core/errors.ts percentText: part/whole as a percentage, one decimal, half up, in integer arithmetic."""
    w = max(whole, 1)
    tenths = (2000 * part + w) // (2 * w)
    return f"{tenths // 10}.{tenths % 10}"


def fill_reject_threshold_message(template: str, rejected: int, total: int) -> str:
    """StepSpec.rejectThreshold.message with the step's counts (src/core/errors.ts fillRejectThresholdMessage)."""
    return (
        template.replace("{rejected}", str(rejected), 1)
        .replace("{total}", str(total), 1)
        .replace("{percent}", percent_text(rejected, total), 1)
    )


# Where Spark puts a position in its message: a ParseException's `(line 5, pos 10)` before its SQL
# excerpt, an AnalysisException's `; line 4 pos 2` before its plan (both 1-based lines of the text run).
_SPARK_POSITION = re.compile(r"\(line (\d+), pos \d+\)\s*(?:\n== SQL ==.*)?$|; line (\d+) pos \d+(?:;\n.*)?$", re.S)
# What the driver puts before the stage's text: nothing (spark.sql runs the file as it is).
PREFIX_LINES = 0


class StageSqlError(Exception):
    """The stage SQL failed to parse or resolve; the message names the stage file and its line."""


def stage_error_message(message: str, sql_path: str) -> str:
    """A Spark error of the stage SQL in the stage file's terms: `<path> line <n>: <message>`, without
    the SQL excerpt or plan Spark appends. The rule is src/local/duckdb/stage.ts stageErrorMessage's;
    both run the cases of spec/vectors/stage-sql-errors/.

    >>> stage_error_message("[X] no b.; line 4 pos 2;\n'Project", "spark/sql/a.sql")
    'spark/sql/a.sql line 4: [X] no b.'
    """
    text = message.strip()
    found = _SPARK_POSITION.search(text)
    if not found:
        return f"{sql_path}: {text}"
    line = int(found.group(1) or found.group(2)) - PREFIX_LINES
    return f"{sql_path} line {line}: {text[: found.start()].rstrip()}"


def run_stage_sql(spark, sql_text: str, sql_path: str):
    """spark.sql(sql_text); a parse or analysis error (Spark checks both here) raised as StageSqlError."""
    from pyspark.errors import AnalysisException  # a ParseException is one

    try:
        return spark.sql(sql_text)
    except AnalysisException as err:
        raise StageSqlError(stage_error_message(str(err), sql_path)) from err


def journal_prefix(execution_id: str) -> str:
    """Where this execution's steps keep their publish journals (lakestep_writer)."""
    return f"{PUBLISH_JOURNAL_PREFIX}{execution_id.rsplit(':', 1)[-1]}/"


def _counts(rows, key_index: int = 0) -> dict:
    return {row[key_index]: row[-1] for row in rows}


def run_step(
    spark, lake, spec: dict, dataset: dict, sql_text: str, days: list[dt.date], raw_days: list[dt.date]
) -> dict:
    """Runs the step and returns its StepResult dict.

    `dataset` is the table's config: a DatasetConfig (has `raw`) or an AggregateConfig (no raw
    view, no rejects, no threshold; recordsIn = recordsOut). Order: views (raw_<dataset>, one per
    spec.reads entry, run_days) -> stage SQL -> `stage_output` -> schema gate and checks ->
    metrics -> writes of the days that pass. A day hit by a blocking check fails with
    CheckFailedError and is not written (neither processed/ nor its rejected/ partition). Over the
    reject threshold nothing is written and every day fails with RejectThresholdError (its check
    outcomes and metrics are still reported).

    Raises whatever Spark raises (bad SQL, store errors): the driver turns it into a failed step.
    """
    from pyspark.sql import functions as F

    started = time.monotonic()
    # A publish a crashed earlier execution left half done is finished or rolled back before this step writes.
    recover_publishes(lake, keep_prefix=journal_prefix(spec["executionId"]))
    name, table = dataset["name"], spec["table"]
    has_raw = spec.get("raw") is not None

    spark.createDataFrame([(d,) for d in days], "day DATE").createOrReplaceTempView("run_days")
    register_reads(spark, lake, spec.get("reads") or [])

    rejected_by_reason: dict[str, int] = {}
    rejected_by_day: dict[dt.date, int] = {}
    late_by_day: dict[dt.date, int] = {}
    # arrival day -> reason -> count: the run page's per-day "rejects by reason"
    reasons_by_day: dict[dt.date, dict[str, int]] = {}
    records_in: dict = {}
    distinct_keys: dict = {}
    own_rejects = classified = None
    total = 0
    if has_raw:
        # The statements TypeScript generated (src/core/rawSql) over the records relation.
        raw_sql = spec["raw"]["sql"]
        register_raw_relations(spark, lake, spec["raw"], raw_days)
        classified = spark.sql(raw_sql["classified"]).persist()
        classified.createOrReplaceTempView("classified")
        spark.sql(raw_sql["rawView"]).createOrReplaceTempView(raw_sql["rawViewName"])
        rejects = spark.sql(raw_sql["rejects"])
        rejects.createOrReplaceTempView("rejects")
        # The rejects this step owns: those that arrived on its output days (rawDays beyond them are
        # read for late records but their rejects belong to the steps computing those days).
        own_rejects = rejects.filter(F.col("arrival_day").isin(days)).persist()
        total = sum(row[1] for row in spark.sql(raw_sql["recordsByArrivalDay"]).collect())
        for day, n_in, n_keys in spark.sql(raw_sql["eventDayCounts"]).collect():
            records_in[day] = n_in
            if n_keys is not None:
                distinct_keys[day] = n_keys
        for arrival_day, reason, count in spark.sql(raw_sql["rejectCounts"]).collect():
            rejected_by_reason[reason] = rejected_by_reason.get(reason, 0) + count
            rejected_by_day[arrival_day] = rejected_by_day.get(arrival_day, 0) + count
            by_reason = reasons_by_day.setdefault(arrival_day, {})
            by_reason[reason] = by_reason.get(reason, 0) + count
            if reason == "late":
                late_by_day[arrival_day] = late_by_day.get(arrival_day, 0) + count
    rejected_total = sum(rejected_by_reason.values())

    # The SQL runs (and its days are counted) even when the threshold fails the step, so a failed
    # day still reports what it would have written, as the DuckDB engine does.
    out = run_stage_sql(spark, sql_text, spec["stageSql"])
    if DAY_COLUMN not in out.columns:
        raise ValueError(f"stage SQL for {name} returns no {DAY_COLUMN} column (columns: {', '.join(out.columns)})")
    # The contract says the SELECT keeps only run_days; filtering again guarantees this step
    # never touches a day it does not own.
    out = out.filter(F.col(DAY_COLUMN).isin(days)).persist()
    out.createOrReplaceTempView("stage_output")
    records_out = _counts(out.groupBy(DAY_COLUMN).count().collect())
    if not has_raw:
        records_in = dict(records_out)

    outcomes = run_gates(spark, out, spec, days)
    metrics = day_metrics(spark, spec.get("metrics") or {}, days)

    keys = spec["keys"]
    # each day's folder, in the table's partition layout (src/core/partitionLayout.ts, via the spec)
    partitions = keys["partitions"]
    step_error = None
    threshold = spec.get("rejectThreshold")
    if has_raw and total > 0 and rejected_total / total > float(threshold["fraction"]):
        step_error = {
            "name": "RejectThresholdError",
            "message": fill_reject_threshold_message(threshold["message"], rejected_total, total),
        }
    day_errors = {day: step_error or blocking_error(day, outcomes.get(day, [])) for day in days}
    passing = [day for day in days if day_errors[day] is None]
    # Over the reject threshold nothing is published; the quarantined records go under the run,
    # where the error points.
    staging = keys["staging"]
    journal = journal_prefix(spec["executionId"]) + spec["groupId"]
    if step_error and own_rejects is not None:
        stage(own_rejects, lake, "arrival_day", staging + keys["rejected"], partitions["rejected"])
        replace_days(
            lake,
            staging + keys["rejected"],
            keys["quarantine"],
            days,
            partitions["rejected"],
            f"{journal}-quarantine-{table}.json",
        )
        lake.delete(staging, recursive=True)
    if passing:
        stage(
            out.filter(F.col(DAY_COLUMN).isin(passing)),
            lake,
            DAY_COLUMN,
            staging + keys["processed"],
            partitions["processed"],
        )
        replace_days(
            lake,
            staging + keys["processed"],
            keys["processed"],
            passing,
            partitions["processed"],
            f"{journal}-processed-{table}.json",
        )
        if own_rejects is not None:
            stage(
                own_rejects.filter(F.col("arrival_day").isin(passing)),
                lake,
                "arrival_day",
                staging + keys["rejected"],
                partitions["rejected"],
            )
            replace_days(
                lake,
                staging + keys["rejected"],
                keys["rejected"],
                passing,
                partitions["rejected"],
                f"{journal}-rejected-{table}.json",
            )
        lake.delete(staging, recursive=True)
    # `_staging/<execution>/` itself, once its last group is gone. On a local lake a step running beside this
    # one may be creating its group folder in it right now: the local runner removes it after the execution.
    if not lake.qualified_root.startswith("file:"):
        lake.remove_folder_if_empty(staging.rstrip("/").rsplit("/", 1)[0] + "/")
    out.unpersist()
    for frame in (own_rejects, classified):
        if frame is not None:
            frame.unpersist()

    day_results = []
    for day in days:
        n_in, n_out = records_in.get(day, 0), records_out.get(day, 0)
        result = {
            "day": day.isoformat(),
            "status": "failed" if day_errors[day] else "succeeded",
            "recordsIn": n_in,
            "recordsOut": n_out,
            "duplicatesDropped": n_in - distinct_keys.get(day, 0) if day in distinct_keys else n_in - n_out,
            "rejected": rejected_by_day.get(day, 0),
            "late": late_by_day.get(day, 0),
        }
        if reasons_by_day.get(day):
            result["rejectedByReason"] = dict(sorted(reasons_by_day[day].items()))
        if day_errors[day]:
            result["error"] = dict(day_errors[day])
        if outcomes.get(day):
            result["checks"] = outcomes[day]
        if day in metrics:
            result["metrics"] = metrics[day]
        day_results.append(result)
    return {
        "groupId": spec["groupId"],
        "dataset": name,
        "stageVersion": spec["stageVersion"],
        "days": day_results,
        "rejectedByReason": dict(sorted(rejected_by_reason.items())),
        "seconds": round(time.monotonic() - started, 3),
    }
