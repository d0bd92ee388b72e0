"""The publish journal of lakestep_writer.replace_days: a writer killed (SIGKILL, in a child process)
between moving a day's new files in and deleting its old ones leaves duplicates only until
recover_publishes runs, which finishes that day and rolls back the days not yet moved.

No Spark here: replace_days and recover_publishes only move, list and delete, so a folder lake with
LakeFs's methods stands in for it (the step test in test_driver.py runs them on the real LakeFs).
"""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys

from lakestep_writer import PUBLISH_JOURNAL_PREFIX, recover_publishes, staging_path

DAYS = [dt.date(2024, 3, 1), dt.date(2024, 3, 2)]
# The days' folders as a StepSpec gives them (src/core/partitionLayout.ts dayPartitions('date', …)):
# the journal records whatever folder the spec names.
PARTITIONS = {
    "layout": "date",
    "columns": ["record_date"],
    "paths": {d.isoformat(): f"record_date={d.isoformat()}" for d in DAYS},
}


def partition_path(day):
    return PARTITIONS["paths"][day.isoformat()] + "/"


class FolderLake:
    """LakeFs's interface over a plain folder (keys are paths under `root`)."""

    def __init__(self, root):
        self.root = str(root).rstrip("/") + "/"

    def uri(self, key):
        return self.root + key

    def list_files(self, prefix):
        base = self.root + prefix
        found = []
        for d, _, files in os.walk(os.path.dirname(base) if not base.endswith("/") else base):
            for f in files:
                path = os.path.join(d, f)
                if path.startswith(base):
                    found.append((path, path[len(self.root) :], os.path.getsize(path)))
        return sorted(found, key=lambda f: f[1])

    def read_text(self, uri):
        with open(uri, encoding="utf-8") as f:
            return f.read()

    def write_text(self, key, text):
        os.makedirs(os.path.dirname(self.uri(key)), exist_ok=True)
        with open(self.uri(key), "w", encoding="utf-8") as f:
            f.write(text)

    def move(self, src, dst):
        os.makedirs(os.path.dirname(self.uri(dst)), exist_ok=True)
        os.rename(self.uri(src), self.uri(dst))

    def delete(self, key, recursive=False):
        path = self.uri(key)
        if os.path.isdir(path) and recursive:
            shutil.rmtree(path)
        elif os.path.isfile(path):
            os.remove(path)


def put(lake, key, text="x"):
    os.makedirs(os.path.dirname(lake.uri(key)), exist_ok=True)
    with open(lake.uri(key), "w") as f:
        f.write(text)


def day_files(lake, day):
    return sorted(os.path.basename(k) for _, k, _ in lake.list_files("processed/t/" + partition_path(day)))


def publish_in_child(root, crash_at):
    """replace_days of both DAYS from staging into processed/t/, in a child that dies at `crash_at`."""
    script = (
        "import datetime as dt, sys; from test_writer_journal import FolderLake, DAYS, PARTITIONS; from lakestep_writer import replace_days;"
        f"replace_days(FolderLake({str(root)!r}), 'staging/', 'processed/t/', DAYS, PARTITIONS, '_state/publish/run-1/g1-processed-t.json')"
    )
    here = os.path.dirname(__file__)
    env = {
        **os.environ,
        "LAKESTEP_CRASH_AT": crash_at,
        "PYTHONPATH": os.pathsep.join([here, os.path.join(here, "..", "jobs")]),
    }
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)


def prepare(tmp_path):
    lake = FolderLake(tmp_path)
    for day in DAYS:
        put(lake, "processed/t/" + partition_path(day) + "part-old.parquet")
        put(lake, "staging/" + staging_path(day) + "part-new.parquet")
    return lake


def test_a_writer_killed_mid_publish_leaves_a_journal_and_recovery_finishes_the_moved_day_and_rolls_back_the_other(
    tmp_path,
):
    lake = prepare(tmp_path)

    child = publish_in_child(tmp_path, "publish-moved")
    crashed = {day: day_files(lake, day) for day in DAYS}
    journals = [k for _, k, _ in lake.list_files(PUBLISH_JOURNAL_PREFIX)]
    repaired = recover_publishes(lake)

    assert child.returncode == -9
    assert crashed == {DAYS[0]: ["part-new.parquet", "part-old.parquet"], DAYS[1]: ["part-old.parquet"]}
    assert journals == ["_state/publish/run-1/g1-processed-t.json"]
    assert repaired == ["processed/t/record_date=2024-03-01"]
    assert {day: day_files(lake, day) for day in DAYS} == {DAYS[0]: ["part-new.parquet"], DAYS[1]: ["part-old.parquet"]}
    assert lake.list_files(PUBLISH_JOURNAL_PREFIX) == []


def test_a_whole_publish_removes_its_journal_and_recovery_skips_the_running_executions_journals(tmp_path):
    lake = prepare(tmp_path)
    lake.write_text(
        "_state/publish/run-2/g1-processed-t.json",
        json.dumps(
            {
                "prefix": "processed/t/",
                "days": [
                    {
                        "day": "2024-03-01",
                        "partition": "year=2024/month=03/day=01",
                        "fresh": ["part-x.parquet"],
                        "old": [],
                    }
                ],
            }
        ),
    )

    child = publish_in_child(tmp_path, "")
    repaired = recover_publishes(lake, keep_prefix="_state/publish/run-2/")

    assert child.returncode == 0, child.stderr
    assert repaired == []
    assert {day: day_files(lake, day) for day in DAYS} == {DAYS[0]: ["part-new.parquet"], DAYS[1]: ["part-new.parquet"]}
    assert [k for _, k, _ in lake.list_files(PUBLISH_JOURNAL_PREFIX)] == ["_state/publish/run-2/g1-processed-t.json"]
