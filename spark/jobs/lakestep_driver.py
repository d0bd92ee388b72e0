"""lakestep's PySpark driver: the program an EMR step (or local spark-submit) runs for one step group.

    spark-submit [--conf …] --py-files <the lakestep_*.py modules next to this file> \\
        lakestep_driver.py --spec <StepSpec JSON | URI> --lake-root <s3://bucket/ | file:///abs/lake/> \\
                           --dataset <DatasetConfig | AggregateConfig JSON | URI> --sql <stage SQL URI>

It reads the step's raw arrival days (datasets only), registers `raw_<dataset>`, one view per
processed input (spec.reads) and `run_days`, runs the stage SQL with spark.sql, runs the quality
gates and metrics over its output (lakestep_checks.py), replaces each passing output day under
processed/<table>/ and each passing arrival day's rejects under rejected/<table>/ (new objects
first: lakestep_writer.py), and writes the StepResult JSON to <lake root>/<spec.resultKey>.

Export mode (`--export <ExportSpec> --lake-root …`, lakestep_export.py): runs each export's SELECT
over the lake's tables and writes its rows as a JSON array to its keys, then the ExportResult to
`resultKey`; exit 0 when the result was written (an export may still have failed: it says so), 1 when not.

Exit codes: 0 when the StepResult was written (days may still be failed, e.g. RejectThresholdError);
1 when the step failed as a whole (a StepResult with every day failed as StepFailedError is
written when possible); 2 on bad arguments.
"""

from __future__ import annotations

import json
import sys
import traceback

from lakestep_cli import UsageError, parse_args
from lakestep_export import run_exports
from lakestep_lakefs import LakeFs
from lakestep_session import build_session
from lakestep_step import StageSqlError, run_step


def failed_result(spec: dict, message: str) -> dict:
    """A StepResult where every day failed with StepFailedError (the step crashed as a whole)."""
    return {
        "groupId": spec.get("groupId", ""),
        "dataset": spec.get("dataset", ""),
        "stageVersion": spec.get("stageVersion", ""),
        "days": [
            {
                "day": day,
                "status": "failed",
                "recordsIn": 0,
                "recordsOut": 0,
                "duplicatesDropped": 0,
                "rejected": 0,
                "late": 0,
                "error": {"name": "StepFailedError", "message": message},
            }
            for day in spec.get("days", [])
        ],
        "rejectedByReason": {},
        "seconds": 0,
    }


def failure_text(err: Exception) -> str:
    """What failed, for the step's result: a stage SQL error as it names its file and line; any
    other error by its type and first line of text (a ParseException's text starts with a newline)."""
    if isinstance(err, StageSqlError):
        return str(err)
    first = next((line for line in str(err).splitlines() if line.strip()), "")
    return f"{type(err).__name__}: {first}"


def main(argv) -> int:
    spark = build_session("lakestep")
    # Arguments are parsed after the session exists because --spec/--dataset may be URIs read
    # through Hadoop (s3:// on EMR).
    reader = LakeFs(spark, "file:///")
    try:
        args = parse_args(argv, read_text=reader.read_text)
    except UsageError as err:
        print(f"lakestep_driver: error: {err}", file=sys.stderr)
        return 2
    if args["mode"] == "export":
        return export_main(spark, args)
    spec = args["spec"]
    lake = LakeFs(spark, args["lake_root"])
    try:
        sql_text = lake.read_text(args["sql_uri"])
        result = run_step(spark, lake, spec, args["dataset"], sql_text, args["days"], args["raw_days"])
    except Exception as err:  # noqa: BLE001 — any failure fails the whole step, with a result saying why
        traceback.print_exc()
        message = f"{spec['dataset']} {spec['days'][0]}…{spec['days'][-1]}: step failed on Spark: {failure_text(err)}"
        try:
            lake.write_text(spec["resultKey"], json.dumps(failed_result(spec, message)))
        except Exception:  # noqa: BLE001 — the store itself may be what failed
            traceback.print_exc()
        print(f"lakestep_driver: error: {message}", file=sys.stderr)
        return 1
    lake.write_text(spec["resultKey"], json.dumps(result))
    failed = [d["day"] for d in result["days"] if d["status"] == "failed"]
    print(
        f"lakestep_driver: {spec['dataset']} {len(result['days'])} day(s), {len(failed)} failed, {result['seconds']} s",
        file=sys.stderr,
    )
    return 0


def export_main(spark, args: dict) -> int:
    """Export mode: the ExportResult to `resultKey`; 1 when even that could not be written."""
    spec = args["export_spec"]
    lake = LakeFs(spark, args["lake_root"])
    try:
        result = run_exports(spark, lake, spec)
        lake.write_text(spec["resultKey"], json.dumps(result))
    except Exception as err:  # noqa: BLE001 — the store failed: no result, the caller reports the step's failure
        traceback.print_exc()
        print(f"lakestep_driver: error: exports failed on Spark: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    failed = [name for name, outcome in result["exports"].items() if "error" in outcome]
    print(
        f"lakestep_driver: {len(result['exports'])} export(s), {len(failed)} failed, {result['seconds']} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.exit(code)
