"""Puts spark/jobs on the path of the test process and of Spark's Python workers."""
import os
import sys

JOBS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "jobs"))
sys.path.insert(0, JOBS)
# Spark's Python workers are separate processes: they find the lakestep_* modules through PYTHONPATH
# (spark-submit ships them with --py-files instead).
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (JOBS, os.environ.get("PYTHONPATH", "")) if p)
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
