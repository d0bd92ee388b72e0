/**
 * Ports: the I/O the handlers need, each with an AWS adapter (src/aws/) and a local one (src/local/).
 * Handlers receive a `Ports` object; nothing in src/core does I/O itself.
 */
import type { Day, ObjectInfo, OutputDayState, RawPartitionState, StepSpec, StepStatus } from './types';
import type { PartitionLayout } from './partitionLayout';
import type { ExportOutcome, ExportTarget } from './exportSpec';

/** The lake: an S3 bucket, or locally a folder laid out exactly as the bucket. Keys are relative, `/`-separated. */
export interface ObjectStore {
  /** Every object under `prefix` (recursive), in key order. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /**
   * Every object under `prefix`, a page at a time, in the store's own key order (S3: UTF-8 bytes), so
   * that a whole raw prefix (millions of keys) is never held at once. Optional: a store without it
   * (the folder lake, which is small) is listed with `list`.
   */
  listPages?(prefix: string): AsyncIterable<ObjectInfo[]>;
  /** @returns undefined when the key does not exist */
  getJson<T>(key: string): Promise<T | undefined>;
  /** @returns the key written */
  putJson(key: string, value: unknown): Promise<string>;
  /** Writes text with its content type (e.g. the run report's HTML page). @returns the key written */
  putText(key: string, text: string, contentType: string): Promise<string>;
}

/** Whole-object copies and removals (snapshots): S3 CopyObject / DeleteObjects, or files of the lake folder. */
export interface ObjectCopies {
  /** Copies one object; the copy appears whole or not at all. */
  copy(fromKey: string, toKey: string): Promise<void>;
  /** Removes the objects; a key that does not exist is not an error. */
  remove(keys: string[]): Promise<void>;
}

/** A snapshot as its catalog table is registered: `name` of the snapshot of source `table`. */
export interface SnapshotRegistration {
  name: string;
  table: string;
  catalogTable: string;
  /** where the snapshot's objects are, e.g. `snapshots/<name>/<table>/` */
  prefix: string;
  days: Day[];
  /** the source table's partition layout */
  layout: PartitionLayout;
}

/** A snapshot's catalog table (core/snapshots): a view of the local DuckDB catalog, or a Glue table. */
export interface SnapshotCatalog {
  /**
   * Registers (or replaces) `catalogTable` over the objects under `prefix`, with the source table's
   * schema and partitions (`days`, in the source table's `layout`).
   */
  register(snapshot: SnapshotRegistration): Promise<void>;
  /** Removes it; one that does not exist is fine. */
  unregister(catalogTable: string): Promise<void>;
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
  commit(entries: {
    raw: RawPartitionState[];
    outputs: OutputDayState[];
    removedRaw: { dataset: string; day: Day }[];
  }): Promise<void>;
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
  /**
   * Stops a pending or running step (a step past its deadline).
   * @returns `cancelling`: the engine took the request, the step stops shortly; `ended`: it had ended already
   *   (describe says how)
   * @throws LakestepError when the engine refuses while the step still runs
   */
  cancel(stepId: string, clusterId?: string): Promise<'cancelling' | 'ended'>;
  /**
   * Submits the driver's export mode on the ExportSpec stored at `exportSpecKey` (the export phase), polled
   * with describe/cancel as a step. Only an engine that computes exports as a step has it (EMR); locally the
   * ExportQueries port computes them at commit.
   */
  submitExports?(exportSpecKey: string, clusterId?: string): Promise<{ stepId: string }>;
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

/**
 * An execution that committed something, as downstream hears of it (README "Completion event").
 * `tables`: table → the days committed (recomputed) by this execution, sorted; `exports`: export name →
 * the key of the package it wrote (`exports/<name>/<execution>.json`).
 * @example { stage: 'prod', execution: 'run-20240305T101112Z-1a2b', status: 'SUCCEEDED', tables: { access_records: ['2024-03-04', '2024-03-05'] }, exports: {} }
 */
export interface RunCompletedDetail {
  stage: string;
  /** the execution's name (the last part of its ARN on AWS) */
  execution: string;
  /** SUCCEEDED, or FAILED when some planned days failed (the others were committed) */
  status: 'SUCCEEDED' | 'FAILED';
  tables: Record<string, Day[]>;
  exports: Record<string, string>;
}

/** Tells subscribers an execution committed days: EventBridge's default bus, or locally `<lake>/_events/`. */
export interface RunEvents {
  /** @param detail without `stage`: the adapter knows its stage */
  runCompleted(detail: Omit<RunCompletedDetail, 'stage'>): Promise<void>;
}

/**
 * Writes exports' packages with the engine that computes the stages (README "Exports"): DuckDB on the local
 * catalog, or the PySpark driver's export mode (local spark-submit; on AWS the EMR step of the export phase).
 */
export interface ExportQueries {
  /**
   * Computes each target's rows and writes them as one JSON array to `key`, then to `latestKey`; values as
   * spec/vectors/export-json/values.json says (dates `YYYY-MM-DD`, timestamps ISO-8601 UTC with milliseconds).
   * A table in `reads` with no partition written yet reads as empty. One export failing does not stop the others.
   * @param executionId the execution the packages belong to
   * @returns export name → its key and row count, or why it failed; one outcome per target
   * @throws only when the engine itself could not run (the store, a missing venv)
   */
  write(executionId: string, targets: ExportTarget[]): Promise<Record<string, ExportOutcome>>;
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
  events: RunEvents;
  exports: ExportQueries;
  clock: Clock;
}
