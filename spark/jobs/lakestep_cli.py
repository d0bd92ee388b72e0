"""The driver's command line: what an EMR step (or local spark-submit) passes to lakestep_driver.py.

    lakestep_driver.py --spec <StepSpec JSON | URI> --lake-root <s3://bucket/ | file:///abs/lake/>
                       --dataset <DatasetConfig | AggregateConfig JSON | URI> --sql <URI of the stage SQL>
    lakestep_driver.py --export <ExportSpec JSON | URI> --lake-root <…>      (export mode, lakestep_export.py)

`--spec` / `--dataset` take the JSON itself (starts with `{`) or a URI to read it from (for specs
too long for an EMR step argument). src/core/sparkSubmitArgs.ts builds exactly this list.
No Spark import here: parsing is testable without a JVM.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Callable

EXPORT_SPEC_FIELDS = ("executionId", "resultKey", "exports")
EXPORT_FIELDS = ("name", "sql", "key", "latestKey", "reads")
SPEC_FIELDS = ("executionId", "groupId", "dataset", "days", "rawDays", "stageSql", "stageVersion", "resultKey")
# Every table config (DatasetConfig or AggregateConfig); a dataset (has `raw`) needs RAW_FIELDS too.
# `eventTime` is optional (a snapshot dump takes its event day from the arrival day).
DATASET_FIELDS = ("name", "table")
RAW_FIELDS = ("raw", "lateDays", "rejectThreshold", "required", "columns")
LAKE_SCHEMES = ("s3://", "s3a://", "s3n://", "file:///", "hdfs://")


class UsageError(ValueError):
    """A bad argument: names the flag, what came in and what was expected."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lakestep_driver.py", description="Runs one lakestep stage step on Spark.")
    # step mode needs --spec, --dataset and --sql; export mode --export alone (checked in parse_args)
    p.add_argument("--spec", help="StepSpec JSON (src/core/types.ts) or a URI of it")
    p.add_argument("--lake-root", required=True, help="lake root URI: s3://bucket/ or file:///abs/path/")
    p.add_argument("--dataset", help="DatasetConfig or AggregateConfig JSON (src/config/config.ts) or a URI of it")
    p.add_argument("--sql", help="URI of the stage SQL file (one SELECT)")
    p.add_argument("--export", help="ExportSpec JSON (src/core/exportSpec.ts) or a URI of it: export mode")
    return p


def _json_arg(flag: str, value: str, read_text: Callable[[str], str]) -> dict:
    text = value if value.lstrip().startswith("{") else read_text(value)
    try:
        parsed = json.loads(text)
    except ValueError as err:
        raise UsageError(f"{flag}: not valid JSON ({err}); expected a JSON object or a URI of one") from None
    if not isinstance(parsed, dict):
        raise UsageError(f"{flag}: expected a JSON object, got {type(parsed).__name__}")
    return parsed


def _require(flag: str, obj: dict, fields) -> None:
    missing = [f for f in fields if f not in obj]
    if missing:
        raise UsageError(f"{flag}: missing {', '.join(missing)} (expected the fields {', '.join(fields)})")


def _days(flag: str, values, allow_empty: bool = False) -> list[dt.date]:
    try:
        days = [dt.date.fromisoformat(v) for v in values]
    except (TypeError, ValueError):
        raise UsageError(f"{flag}: {values!r} is not a list of YYYY-MM-DD days") from None
    if not days and not allow_empty:
        raise UsageError(f"{flag}: empty (expected at least one day)")
    return days


def _no_reader(uri: str) -> str:
    raise UsageError(f"cannot read {uri} without a reader (pass the JSON inline)")


def _lake_root(value: str) -> str:
    if not value.startswith(LAKE_SCHEMES):
        raise UsageError(f"--lake-root: {value!r} is not a lake URI (expected s3://bucket/ or file:///abs/path/)")
    return value if value.endswith("/") else value + "/"


def _export_args(ns, reader: Callable[[str], str], lake_root: str) -> dict:
    """Export mode: {"mode": "export", "export_spec", "lake_root"}; no step flag may come with it."""
    extra = [flag for flag, value in (("--spec", ns.spec), ("--dataset", ns.dataset), ("--sql", ns.sql)) if value]
    if extra:
        raise UsageError(f"--export: {', '.join(extra)} given too (export mode takes --export and --lake-root only)")
    spec = _json_arg("--export", ns.export, reader)
    _require("--export", spec, EXPORT_SPEC_FIELDS)
    if not isinstance(spec["exports"], list):
        raise UsageError("--export exports: expected a JSON array of exports")
    for i, exp in enumerate(spec["exports"]):
        _require(f"--export exports[{i}]", exp, EXPORT_FIELDS)
    return {"mode": "export", "export_spec": spec, "lake_root": lake_root}


def parse_args(argv: list[str], read_text: Callable[[str], str] | None = None) -> dict:
    """argv (without the program name) -> {"mode": "step", "spec", "dataset", "lake_root", "sql_uri", "days",
    "raw_days"}, or with --export {"mode": "export", "export_spec", "lake_root"}.

    read_text(uri) loads `--spec` / `--dataset` given as URIs (the driver passes a Hadoop reader).
    Raises UsageError naming the flag; argparse exits 2 on unknown or missing flags.
    """
    ns = parser().parse_args(argv)
    reader = read_text or _no_reader
    lake_root = _lake_root(ns.lake_root)
    if ns.export is not None:
        return _export_args(ns, reader, lake_root)
    missing = [
        flag for flag, value in (("--spec", ns.spec), ("--dataset", ns.dataset), ("--sql", ns.sql)) if value is None
    ]
    if missing:
        raise UsageError(f"{', '.join(missing)} missing (a step needs --spec, --dataset and --sql; an export --export)")
    spec = _json_arg("--spec", ns.spec, reader)
    _require("--spec", spec, SPEC_FIELDS)
    dataset = _json_arg("--dataset", ns.dataset, reader)
    _require("--dataset", dataset, DATASET_FIELDS)
    has_raw = dataset.get("raw") is not None
    if has_raw:
        _require("--dataset", dataset, DATASET_FIELDS + RAW_FIELDS)
        if dataset["raw"].get("format", "json") not in ("json", "csv"):
            raise UsageError(f"--dataset: raw.format {dataset['raw'].get('format')!r} is not json or csv")
    # reads/checks/metrics/outputSchema: optional here (absent = none), checked when given
    for field, kind in (("reads", list), ("checks", list), ("metrics", dict), ("outputSchema", dict)):
        if spec.get(field) is not None and not isinstance(spec[field], kind):
            raise UsageError(f"--spec {field}: expected a JSON {'array' if kind is list else 'object'}")
    if dataset["name"] != spec["dataset"]:
        raise UsageError(f"--dataset: name {dataset['name']!r} is not the spec's dataset {spec['dataset']!r}")
    return {
        "mode": "step",
        "spec": spec,
        "dataset": dataset,
        "lake_root": lake_root,
        "sql_uri": ns.sql,
        "days": _days("--spec days", spec["days"]),
        # an aggregate reads no raw days
        "raw_days": _days("--spec rawDays", spec["rawDays"], allow_empty=not has_raw),
    }
