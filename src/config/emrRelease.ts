/**
 * The EMR release the transient cluster starts, and what it ships that the code depends on: the one place
 * its label is written. serverless.yml's `emrReleaseLabel` defaults to it (deploy/stage.js); tests check that
 * spark/requirements.txt pins pyspark to its Spark and that the driver's modules run on its Python.
 * Sources: the Amazon EMR Release Guide, "Spark release history" (emr-7.9.0: Spark 3.5.5-amzn-0) and
 * "Application versions in Amazon EMR 7.x releases" (Python 3.9 as /usr/bin/python3, 3.11 installable).
 */
export const EMR_RELEASE = {
  label: 'emr-7.9.0',
  /** Apache Spark version of the release (pyspark's pin) */
  spark: '3.5.5',
  /** the Python PySpark runs on EMR 7 (Amazon Linux 2023's /usr/bin/python3): the driver's minimum */
  python: '3.9',
} as const;
