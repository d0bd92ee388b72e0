/**
 * Ports: the I/O the handlers need, each with an AWS adapter (src/aws/) and a local one (src/local/).
 * Handlers receive a `Ports` object; nothing in src/core does I/O itself.
 */
import type {
  Day,
  ObjectInfo,
  OutputDayState,
  RawPartitionState,
  StepSpec,
  StepStatus,
} from './types';

/** The lake: an S3 bucket, or locally a folder laid out exactly as the bucket. Keys are relative, `/`-separated. */
export interface ObjectStore {
  /** Every object under `prefix` (recursive), in key order. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** @returns undefined when the key does not exist */
  getJson<T>(key: string): Promise<T | undefined>;
  /** @returns the key written */
  putJson(key: string, value: unknown): Promise<string>;
  /** Writes text with its content type (e.g. the run report's HTML page). @returns the key written */
  putText(key: string, text: string, contentType: string): Promise<string>;
}

/** An execution's record in the ledger, so a rerun can find the days it failed. */
export interface ExecutionRecord {
  executionId: string;
  /** ABORTED: the run died (killed, crashed, Ctrl-C) and a later run or `lakestep unlock` cleared its lock */
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  /** ms since epoch */
  startedAtMs: number;
  endedAtMs?: number;
  failedDays: { dataset: string; day: Day }[];
  cause?: string;
}

/** What the pipeline has done: raw fingerprints, output days, executions. DynamoDB in both modes. */
export interface Ledger {
  rawPartitions(dataset: string): Promise<RawPartitionState[]>;
  outputDays(dataset: string): Promise<OutputDayState[]>;
  /** Writes raw states and output days (batch, retries unprocessed items); deletes raw states listed in `removedRaw`. */
  commit(entries: { raw: RawPartitionState[]; outputs: OutputDayState[]; removedRaw: { dataset: string; day: Day }[] }): Promise<void>;
  putExecution(record: ExecutionRecord): Promise<void>;
  getExecution(executionId: string): Promise<ExecutionRecord | undefined>;
  /** Every recorded execution, in no particular order. */
  executions(): Promise<ExecutionRecord[]>;
  /** table → first day not archived (`lakestep adopt --since`); tables with no boundary are absent */
  archives(): Promise<Record<string, Day>>;
  /** Sets `table`'s archive boundary: its days before `before` are never planned or rewritten again. */
  putArchive(table: string, before: Day): Promise<void>;
}

/** The pipeline lock: one execution at a time. */
export interface Lock {
  /**
   * Conditional put: succeeds when the lock is free, expired, or already held by `executionId`.
   * @throws LockHeldError when another execution holds an unexpired lock
   */
  acquire(executionId: string, nowMs: number, ttlSeconds: number): Promise<void>;
  /** Conditional delete: only the holder releases; a no-op otherwise. @returns true when this call deleted the lock */
  release(executionId: string): Promise<boolean>;
}

/** Runs one transform step: EMR step, local DuckDB, or local spark-submit. */
export interface StepRunner {
  submit(spec: StepSpec): Promise<{ stepId: string }>;
  /** @param clusterId the cluster the step was submitted to (`StepSpec.clusterId`), when the runner has several */
  describe(stepId: string, clusterId?: string): Promise<StepStatus>;
}

/**
 * The compute the steps run on: on AWS an existing EMR cluster (stage parameter) or a transient cluster
 * per execution; locally nothing to start (cluster id `local`).
 */
export interface ClusterManager {
  /**
   * @param executionId the execution's id (ARN on AWS); tags and names a transient cluster
   * @returns the cluster steps go to; `transient: true` when this execution created it and must terminate it
   */
  ensure(executionId: string): Promise<{ clusterId: string; transient: boolean }>;
  /** Terminates a cluster this execution created; idempotent (an already terminated cluster is fine). */
  terminate(clusterId: string): Promise<void>;
}

export type CrawlerState = 'RUNNING' | 'READY';

/** Publishes processed tables and their partitions to the catalog (Glue crawler, or local DuckDB catalog). */
export interface Crawler {
  /** Starts a crawl of `tables`; a crawl already running counts as started. */
  start(tables: string[]): Promise<void>;
  /** lastStatus: of the last finished crawl */
  state(): Promise<{ state: CrawlerState; lastStatus?: 'SUCCEEDED' | 'FAILED' | 'CANCELLED'; lastError?: string }>;
}

/** Alerts: SNS topic, or locally `<lake>/_alerts/` + stderr. */
export interface Notifier {
  publish(subject: string, message: Record<string, unknown>): Promise<void>;
}

export interface Clock {
  nowMs(): number;
}

export interface Ports {
  store: ObjectStore;
  ledger: Ledger;
  lock: Lock;
  steps: StepRunner;
  clusters: ClusterManager;
  crawler: Crawler;
  notifier: Notifier;
  clock: Clock;
}
