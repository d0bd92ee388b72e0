/**
 * The real Ports on AWS, built from the Lambda's environment variables (serverless.yml sets them).
 *
 * Nothing here does I/O or throws on import or on `awsPorts(env)`: every handler file calls
 * `awsPorts(process.env)` at module load, and the local runner imports every handler file with an
 * environment that has none of these variables. Each port is built on its first method call, and a
 * missing or malformed variable throws then, naming the variable.
 *
 * Environment variables read:
 * - `LAKE_BUCKET`       lake bucket name, e.g. `lakestep-prod-lake` (store; lake root of EMR steps)
 * - `ARTIFACTS_URI`     deployed Spark code, e.g. `s3://lakestep-prod-artifacts/spark/0.1.0-ab12cd3/` (steps)
 * - `EMR_CLUSTER_ID`    existing cluster the steps run on, e.g. `j-2AXXXXXXGAPLF`; empty in transient mode (steps, clusters)
 * - `EMR_*`, `STEP_CONCURRENCY`  transient cluster settings: see emrClusters.ts
 * - `LEDGER_TABLE`, `LOCK_TABLE`  DynamoDB tables; default `ledgerTableNames(STAGE)` when STAGE is set
 * - `STAGE`             deploy stage, e.g. `prod` (the table-name defaults; the completion event's `stage`)
 * - `ALERTS_TOPIC_ARN`  SNS topic of alerts (notifier)
 * - `CRAWLER_NAMES`     JSON `{ "<table>": "<crawler name>" }` (crawler)
 * - `AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_MAX_ATTEMPTS`: see clients.ts
 */
import { loadConfig } from '../config/config';
import { LakestepError } from '../core/errors';
import type {
  Clock,
  ClusterManager,
  Crawler,
  ExportQueries,
  Ledger,
  Lock,
  Notifier,
  ObjectStore,
  Ports,
  RunEvents,
  StepRunner,
} from '../core/ports';
import { awsClients, type AwsClients } from './clients';
import { DynamoLedger } from './dynamoLedger';
import { DynamoLock } from './dynamoLock';
import { emrClusterManagerFromEnv } from './emrClusters';
import { EmrExportQueries } from './emrExportQueries';
import { EventBridgeRunEvents } from './eventBridgeRunEvents';
import { EmrStepRunner } from './emrStepRunner';
import { GlueCrawler } from './glueCrawler';
import { ledgerTableNames } from './ledgerTables';
import { S3ObjectStore } from './s3ObjectStore';
import { SnsNotifier } from './snsNotifier';

/**
 * @param env usually `process.env`
 * @param clients SDK clients (default `awsClients(env)`); tests pass mocked ones
 * @returns Ports whose adapters are built on first use
 * @throws nothing here; a port's first call throws LakestepError naming a missing/malformed variable
 */
export function awsPorts(env: NodeJS.ProcessEnv, clients: AwsClients = awsClients(env)): Ports {
  const store = once(() => new S3ObjectStore(clients.s3, lakeBucket(env)));
  const ledger = once(() => new DynamoLedger(clients.dynamodb, tableName(env, 'LEDGER_TABLE', 'ledger')));
  const lock = once(() => new DynamoLock(clients.dynamodb, tableName(env, 'LOCK_TABLE', 'lock')));
  // EMR_CLUSTER_ID is empty in transient mode: each step then names its cluster (StepSpec.clusterId, from EnsureCluster).
  const steps = once(() => emrStepRunnerFor(env, env.EMR_CLUSTER_ID?.trim() || undefined, clients));
  const clusters = once(() => emrClusterManagerFromEnv(env, clients.emr));
  const crawler = once(() => new GlueCrawler(clients.glue, crawlerNames(env)));
  const notifier = once(
    () => new SnsNotifier(clients.sns, requireEnv(env, 'ALERTS_TOPIC_ARN', 'the SNS alerts topic ARN')),
  );
  const events = once(
    () => new EventBridgeRunEvents(clients.eventbridge, requireEnv(env, 'STAGE', 'the deploy stage, e.g. prod')),
  );

  // async wrappers: a missing variable then rejects the call's promise instead of throwing synchronously.
  const storePort: ObjectStore = {
    list: async (prefix) => store().list(prefix),
    listPages: async function* (prefix) {
      yield* store().listPages(prefix);
    },
    getJson: async <T>(key: string) => store().getJson<T>(key),
    putJson: async (key, value) => store().putJson(key, value),
    putText: async (key, text, contentType) => store().putText(key, text, contentType),
  };
  const ledgerPort: Ledger = {
    rawPartitions: async (dataset) => ledger().rawPartitions(dataset),
    outputDays: async (dataset) => ledger().outputDays(dataset),
    commit: async (entries) => ledger().commit(entries),
    putExecution: async (record) => ledger().putExecution(record),
    getExecution: async (executionId) => ledger().getExecution(executionId),
    executions: async () => ledger().executions(),
    archives: async () => ledger().archives(),
    putArchive: async (table, before) => ledger().putArchive(table, before),
  };
  const lockPort: Lock = {
    acquire: async (executionId, nowMs, ttlSeconds) => lock().acquire(executionId, nowMs, ttlSeconds),
    release: async (executionId) => lock().release(executionId),
  };
  const stepsPort: StepRunner = {
    submit: async (spec) => steps().submit(spec),
    describe: async (stepId, clusterId) => steps().describe(stepId, clusterId),
    cancel: async (stepId, clusterId) => steps().cancel(stepId, clusterId),
    submitExports: async (exportSpecKey, clusterId) => steps().submitExports(exportSpecKey, clusterId),
  };
  const clustersPort: ClusterManager = {
    ensure: async (executionId) => clusters().ensure(executionId),
    terminate: async (clusterId) => clusters().terminate(clusterId),
  };
  const crawlerPort: Crawler = {
    start: async (tables) => crawler().start(tables),
    state: async () => crawler().state(),
  };
  const notifierPort: Notifier = { publish: async (subject, message) => notifier().publish(subject, message) };
  const eventsPort: RunEvents = { runCompleted: async (detail) => events().runCompleted(detail) };
  const exportsPort: ExportQueries = new EmrExportQueries(storePort);
  const clock: Clock = { nowMs: () => Date.now() };

  return {
    store: storePort,
    ledger: ledgerPort,
    lock: lockPort,
    steps: stepsPort,
    clusters: clustersPort,
    crawler: crawlerPort,
    notifier: notifierPort,
    events: eventsPort,
    exports: exportsPort,
    clock,
  };
}

/**
 * An EmrStepRunner on a given cluster, for the transient-cluster mode where the cluster id comes from the
 * execution (EnsureCluster's output) rather than from EMR_CLUSTER_ID. Reads LAKE_BUCKET, ARTIFACTS_URI
 * and lakestep.config.yml.
 * @throws LakestepError naming a missing variable; ConfigError for a bad config file
 */
export function emrStepRunnerFor(
  env: NodeJS.ProcessEnv,
  clusterId: string | undefined,
  clients: AwsClients = awsClients(env),
): EmrStepRunner {
  return new EmrStepRunner(clients.emr, {
    clusterId,
    artifactsUri: requireEnv(
      env,
      'ARTIFACTS_URI',
      'the deployed Spark code, e.g. s3://lakestep-prod-artifacts/spark/0.1.0-ab12cd3/',
    ),
    lakeRoot: `s3://${lakeBucket(env)}/`,
    config: loadConfig(),
  });
}

/** Builds on the first call, then returns the same adapter; a failed build is retried on the next call. */
function once<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= build());
}

/** @throws LakestepError `environment variable X is not set: …` */
function requireEnv(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name]?.trim();
  if (!value) {
    throw new LakestepError(
      `environment variable ${name} is not set; expected ${what} (serverless.yml sets it on the Lambdas; locally, use the local ports instead of awsPorts)`,
    );
  }
  return value;
}

function lakeBucket(env: NodeJS.ProcessEnv): string {
  const bucket = requireEnv(env, 'LAKE_BUCKET', 'the lake bucket name, e.g. lakestep-prod-lake');
  // S3 bucket naming rules (3–63 of a-z 0-9 . -): catches `s3://…` URIs and stray slashes here, not as a 404 later.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new LakestepError(
      `environment variable LAKE_BUCKET is "${bucket}"; expected a bare bucket name like lakestep-prod-lake (no s3://, no /)`,
    );
  }
  return bucket;
}

function tableName(env: NodeJS.ProcessEnv, name: 'LEDGER_TABLE' | 'LOCK_TABLE', kind: 'ledger' | 'lock'): string {
  const explicit = env[name]?.trim();
  if (explicit) return explicit;
  const stage = env.STAGE?.trim();
  if (stage) return ledgerTableNames(stage)[kind];
  throw new LakestepError(
    `environment variable ${name} is not set (nor STAGE to derive it from); expected the DynamoDB ${kind} table name, e.g. lakestep-prod-${kind}`,
  );
}

function crawlerNames(env: NodeJS.ProcessEnv): Record<string, string> {
  const text = requireEnv(env, 'CRAWLER_NAMES', 'JSON like {"access_records":"lakestep-prod-access_records"}');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new LakestepError(
      `environment variable CRAWLER_NAMES is not JSON (${(error as Error).message}); expected {"<table>":"<crawler name>"}`,
    );
  }
  const valid =
    typeof parsed === 'object' &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    Object.values(parsed).every((v) => typeof v === 'string' && v !== '');
  if (!valid)
    throw new LakestepError(
      `environment variable CRAWLER_NAMES is ${text}; expected a JSON object {"<table>":"<crawler name>"} of non-empty strings`,
    );
  return parsed as Record<string, string>;
}
