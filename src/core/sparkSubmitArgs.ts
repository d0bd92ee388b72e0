/**
 * The spark-submit argument list of one step: what an EMR AddJobFlowSteps step carries as
 * `HadoopJarStep: { Jar: 'command-runner.jar', Args: sparkSubmitArgs(…) }`, and what the local
 * SparkSubmitStepRunner runs (with `master: 'local[2]'`). Pure: no I/O, no clock.
 *
 * The driver's own CLI is documented in spark/jobs/lakestep_cli.py.
 */
import { ConfigError, InputError } from './errors';
import type { LakestepConfig } from '../config/config';
import type { StepSpec } from './types';

/**
 * The Python modules lakestep_driver.py imports, shipped with `--py-files` from the driver's folder
 * (on EMR only the main file would be fetched otherwise). A test checks this list against spark/jobs/.
 */
export const DRIVER_MODULES = [
  'lakestep_checks.py',
  'lakestep_cli.py',
  'lakestep_export.py',
  'lakestep_inputs.py',
  'lakestep_lakefs.py',
  'lakestep_raw.py',
  'lakestep_session.py',
  'lakestep_step.py',
  'lakestep_writer.py',
] as const;

/**
 * The driver's Java helper (spark/java/, built by scripts/build-java.js), relative to the spark folder
 * that holds `jobs/`: shipped with `--jars` from `<driver folder>/../jars/`, as the deploy uploads it
 * (`s3://<artifacts>/spark/<version>/jars/…`) and as the build leaves it locally (spark/jars/).
 */
export const HELPER_JAR = 'jars/lakestep-spark.jar';

/**
 * Settings correctness depends on; the driver pins them on its session too (spark/jobs/lakestep_session.py).
 * Static overwrite (Spark's default) would delete every partition not in the output.
 */
export const REQUIRED_SPARK_CONF: Readonly<Record<string, string>> = {
  'spark.sql.sources.partitionOverwriteMode': 'dynamic',
  'spark.sql.session.timeZone': 'UTC',
  'spark.sql.parquet.outputTimestampType': 'TIMESTAMP_MICROS',
  // the stage SQL doubles regex backslashes for Spark's parser to un-double (see the prelude)
  'spark.sql.parser.escapedStringLiterals': 'false',
};

/** Longest single argument of an EMR step (HadoopJarStepConfig.Args member, characters). */
export const MAX_EMR_ARG_CHARS = 10_280;

export interface SparkSubmitArgsInput {
  spec: StepSpec;
  /** lake root URI ending in `/`: `s3://bucket/` or `file:///abs/lake/` */
  lakeRoot: string;
  /** URI (or local path) of the stage SQL, e.g. `s3://bucket/_code/<version>/spark/sql/access_records.sql` */
  sqlUri: string;
  /** URI (or local path) of lakestep_driver.py; DRIVER_MODULES are taken from the same folder, HELPER_JAR from its parent */
  driverUri: string;
  config: LakestepConfig;
  /** where the spec JSON was stored, for specs longer than MAX_EMR_ARG_CHARS (passed instead of inline JSON); default `<lakeRoot><spec.specKey>` */
  specUri?: string;
  /** e.g. `local[2]`; absent on EMR (YARN is the cluster default) */
  master?: string;
  /** default `cluster` without a master (the driver runs on a core node), none with a local master */
  deployMode?: 'cluster' | 'client';
  /** more `--conf` settings (REQUIRED_SPARK_CONF cannot be overridden) */
  extraConf?: Record<string, string>;
}

const LAKE_ROOT = /^(s3|s3a|file):\/\/.*\/$/;

/** The command that stages and export mode share: `['spark-submit', …options, --jars, --py-files, driverUri]`. */
function submitDriver(
  input: Pick<SparkSubmitArgsInput, 'driverUri' | 'master' | 'deployMode' | 'extraConf'>,
): string[] {
  const { driverUri } = input;
  const driverDir = driverUri.slice(0, driverUri.lastIndexOf('/') + 1);
  const sparkDir = driverDir.slice(0, driverDir.slice(0, -1).lastIndexOf('/') + 1);
  const deployMode = input.deployMode ?? (input.master?.startsWith('local') ? undefined : 'cluster');
  const conf = { ...(input.extraConf ?? {}), ...REQUIRED_SPARK_CONF };
  return [
    'spark-submit',
    ...(input.master ? ['--master', input.master] : []),
    ...(deployMode ? ['--deploy-mode', deployMode] : []),
    ...Object.entries(conf).flatMap(([key, value]) => ['--conf', `${key}=${value}`]),
    '--jars',
    sparkDir + HELPER_JAR,
    '--py-files',
    DRIVER_MODULES.map((m) => driverDir + m).join(','),
    driverUri,
  ];
}

/**
 * The driver's export mode (spark/jobs/lakestep_export.py): `['spark-submit', …options, driverUri,
 * '--export', exportSpecUri, '--lake-root', lakeRoot]`. The ExportSpec always goes by URI (export SQL has no
 * length bound). Same options as sparkSubmitArgs.
 * @throws InputError when lakeRoot is not an `s3://…/` or `file:///…/` URI
 * @example sparkSubmitExportArgs({ lakeRoot: 's3://lake/', exportSpecUri: 's3://lake/_runs/run-1/exports.spec.json', driverUri: 's3://lake/_code/v1/spark/jobs/lakestep_driver.py' })
 * // ['spark-submit', '--deploy-mode', 'cluster', '--conf', …, 's3://lake/_code/v1/spark/jobs/lakestep_driver.py', '--export', 's3://lake/_runs/run-1/exports.spec.json', '--lake-root', 's3://lake/']
 */
export function sparkSubmitExportArgs(
  input: Pick<SparkSubmitArgsInput, 'lakeRoot' | 'driverUri' | 'master' | 'deployMode' | 'extraConf'> & {
    exportSpecUri: string;
  },
): string[] {
  checkLakeRoot(input.lakeRoot);
  return [...submitDriver(input), '--export', input.exportSpecUri, '--lake-root', input.lakeRoot];
}

function checkLakeRoot(lakeRoot: string): void {
  if (!LAKE_ROOT.test(lakeRoot)) {
    throw new InputError(
      'lakeRoot',
      `${JSON.stringify(lakeRoot)} is not a lake root URI (expected s3://bucket/ or file:///abs/path/, ending in "/")`,
    );
  }
}

/**
 * Builds `['spark-submit', …options, driverUri, '--spec', …, '--lake-root', …, '--dataset', …, '--sql', …]`.
 * @throws ConfigError when spec.dataset is neither a dataset nor an aggregate of the config
 * @throws InputError when lakeRoot is not an `s3://…/` or `file:///…/` URI, or the inline spec is
 *   longer than an EMR argument may be and no specUri is given
 * @example
 * sparkSubmitArgs({ spec, lakeRoot: 's3://lake/', sqlUri: 's3://lake/_code/v1/spark/sql/access_records.sql',
 *   driverUri: 's3://lake/_code/v1/spark/jobs/lakestep_driver.py', config })
 * // ['spark-submit', '--deploy-mode', 'cluster', '--conf', 'spark.sql.sources.partitionOverwriteMode=dynamic', …,
 * //  '--jars', 's3://lake/_code/v1/spark/jars/lakestep-spark.jar',
 * //  '--py-files', 's3://lake/_code/v1/spark/jobs/lakestep_cli.py,…', 's3://lake/_code/v1/spark/jobs/lakestep_driver.py',
 * //  '--spec', '{"executionId":…}', '--lake-root', 's3://lake/', '--dataset', '{"raw":…}', '--sql', 's3://…/access_records.sql']
 */
export function sparkSubmitArgs(input: SparkSubmitArgsInput): string[] {
  const { spec, lakeRoot, sqlUri, config } = input;
  // The table's config: a dataset (raw-fed) or an aggregate; the driver tells them apart by `raw`.
  const dataset = config.datasets[spec.dataset] ?? config.aggregates?.[spec.dataset];
  if (!dataset) {
    const declared = [...Object.keys(config.datasets), ...Object.keys(config.aggregates ?? {})];
    throw new ConfigError(
      `datasets.${spec.dataset}`,
      `is not declared (the step's spec names it; declared: ${declared.join(', ')})`,
    );
  }
  checkLakeRoot(lakeRoot);
  const specJson = JSON.stringify(spec);
  // A long spec (the generated raw SQL) goes by the key LaunchStep stored it under.
  const specUri =
    input.specUri ?? (specJson.length > MAX_EMR_ARG_CHARS && spec.specKey ? `${lakeRoot}${spec.specKey}` : undefined);
  if (!specUri && specJson.length > MAX_EMR_ARG_CHARS) {
    throw new InputError(
      'spec',
      `is ${specJson.length} characters as JSON, over the ${MAX_EMR_ARG_CHARS} an EMR step argument may hold; store it and pass specUri`,
    );
  }
  return [
    ...submitDriver(input),
    '--spec',
    specUri ?? specJson,
    '--lake-root',
    lakeRoot,
    '--dataset',
    JSON.stringify(dataset),
    '--sql',
    sqlUri,
  ];
}
