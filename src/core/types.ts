/**
 * Shapes shared by the core, the handlers, the local runtime and the AWS adapters.
 * Days are `YYYY-MM-DD` strings, always UTC calendar days.
 */
import type { Day } from './days';
import type { DayPartitions } from './partitionLayout';
import type { RawColumn } from '../config/config';
import type { RawReadSql } from './rawSql';

// Day is days.ts's (days.ts and partitionLayout.ts would otherwise import this hub back)
export type { Day } from './days';

/** One object in the lake (S3 object or file under the lake folder). `key` is relative to the lake root. */
export interface ObjectInfo {
  key: string;
  /** bytes */
  size: number;
  /** S3 ETag, or locally a hash of mtime and size */
  etag: string;
  /** locally: the file is a symbolic link (S3 has none); raw listings skip it, with a warning */
  symlink?: true;
}

/** A raw partition = one arrival day of one dataset, with every object under its hour prefixes. */
export interface RawPartition {
  dataset: string;
  /** arrival day (Firehose prefix day, or Hive `year=/month=/day=`) */
  day: Day;
  objects: ObjectInfo[];
}

/** What the ledger remembers of one raw partition. */
export interface RawPartitionState {
  dataset: string;
  day: Day;
  /** sha256 hex of the sorted (key, size, etag) list; see core/fingerprint.ts */
  fingerprint: string;
  objectCount: number;
  /** bytes */
  bytes: number;
}

/** What the ledger remembers of one processed output day. */
export interface OutputDayState {
  dataset: string;
  day: Day;
  /** hash of the stage SQL file that produced the day (core/stageVersion) */
  stageVersion: string;
  executionId: string;
  /** ms since epoch */
  committedAtMs: number;
  recordsIn: number;
  recordsOut: number;
  duplicatesDropped: number;
  rejected: number;
}

/** Why a day is recomputed. */
export type DirtyReason =
  | { kind: 'new_raw'; rawDay: Day }
  | { kind: 'late_file'; rawDay: Day }
  | { kind: 'removed_raw'; rawDay: Day }
  | { kind: 'forced' }
  | { kind: 'stale'; producedBy: string; current: string }
  | { kind: 'rerun'; executionId: string }
  /** days from..to of processed table `table` are recomputed in this execution and this day reads them */
  | { kind: 'upstream'; table: string; from: Day; to: Day };

export interface PlannedDay {
  dataset: string;
  day: Day;
  reasons: DirtyReason[];
}

/** A processed table's days a step reads (the union of its days' windows), inclusive. */
export interface TableRange {
  table: string;
  from: Day;
  to: Day;
  /** the table's declared output columns (config `output:`), so an empty range still binds; set by LaunchStep */
  columns?: Record<string, 'string' | 'bigint' | 'boolean' | 'double' | 'date' | 'timestamp'>;
  /** the table's partition of each day from … to (core/partitionLayout), so an engine finds its folders; set by LaunchStep */
  partitions?: DayPartitions;
}

/** Contiguous output days of one table that one step computes: it reads its inputs once. */
export interface StepGroup {
  groupId: string;
  /** the table computed (a dataset or an aggregate) */
  dataset: string;
  /** 0 for tables reading no processed table; a phase runs after the one before it */
  phase: number;
  /** `week`: days are ISO-week Mondays, a week apart */
  period: 'day' | 'week';
  /** contiguous (a day, or a week, apart), ascending */
  days: Day[];
  /** arrival days read: days[0]-lateDays … days[last]+lateDays, ascending; [] for an aggregate */
  rawDays: Day[];
  /** processed tables read */
  reads: TableRange[];
}

/** The plan Discover stores in the object store; the state carries only its key (payload < 256 KB). */
export interface Plan {
  executionId: string;
  /** ms since epoch */
  createdAtMs: number;
  days: PlannedDay[];
  groups: StepGroup[];
  /** the raw partitions as observed at discovery; committed only for days that succeeded */
  rawPartitions: RawPartitionState[];
  /** raw partitions the ledger knew that are gone now (and whose days this run recomputes: acceptRawRemoval) */
  removedRawDays: { dataset: string; day: Day }[];
  /** raw partitions the ledger knew that are gone now, kept in the ledger because acceptRawRemoval is not set:
   *  the days they reach keep their published rows and are not recomputed */
  missingRawDays?: { dataset: string; day: Day }[];
  /** dataset → stage version the steps run */
  stageVersions: Record<string, string>;
  /** the run was cut to fit one execution (core/executions planExecution): what is left for the next */
  deferred?: {
    /** the last day this execution plans (raw-fed tables and aggregates' own days) */
    until: Day;
    /** planned (table, day) pairs of the whole run that this execution leaves */
    days: number;
  };
}

/** What one execution asks for, after validation (core/input.ts). */
export interface RunInput {
  mode: 'incremental' | 'backfill' | 'rerun' | 'stale';
  executionId: string;
  /** ms since epoch, when the execution started */
  startedAtMs: number;
  /** the tables this run selects (all configured ones when not given); core/plan adds those reading them */
  datasets: string[];
  /** false: plan only `datasets`, not the tables that read them (absent: downstream is followed) */
  downstream?: false;
  /** inclusive range, backfill only */
  from?: Day;
  to?: Day;
  /** recompute the range even if nothing changed */
  force: boolean;
  dryRun: boolean;
  /** recompute the days whose recorded raw input is gone (else they keep their rows: core/plan) */
  acceptRawRemoval?: boolean;
  /** list every raw arrival day, not only those that can still change (core/rawListing) */
  full?: boolean;
  /** rerun: the execution whose failed days to recompute */
  rerunOf?: string;
}

/** Everything a step needs to compute a group of days; the same spec drives DuckDB, spark-submit and EMR. */
export interface StepSpec {
  executionId: string;
  groupId: string;
  dataset: string;
  days: Day[];
  rawDays: Day[];
  /** processed tables the stage reads, by day range */
  reads: TableRange[];
  period: 'day' | 'week';
  /** blocking and warning quality gates run on the output before it is written (core/checks.ts) */
  checks: CheckQuery[];
  /** column → type the output must have (the `schema` gate; absent: not checked) */
  outputSchema?: Record<string, 'string' | 'bigint' | 'boolean' | 'double' | 'date' | 'timestamp'>;
  /** name → SQL aggregate over one day's output rows */
  metrics: Record<string, string>;
  /** repo-relative path of the stage SQL, e.g. `spark/sql/access_records.sql` */
  stageSql: string;
  stageVersion: string;
  /** object-store key the step writes its StepResult JSON to */
  resultKey: string;
  /** object-store key of this spec as stored by LaunchStep (engines read it when it is too long to pass inline) */
  specKey?: string;
  /** the cluster to run on (EnsureCluster's output, e.g. `j-2AXXXXXXGAPLF`); runners with one fixed target ignore it */
  clusterId?: string;
  /** the table the step writes (`processed/<table>/`, `rejected/<table>/`) */
  table?: string;
  /** a dataset's raw source and the generated SQL that reads it (absent for an aggregate) */
  raw?: RawReadSpec;
  /** lake prefixes the step writes to */
  keys?: StepKeys;
  /** a dataset's reject threshold and the message a step over it fails with */
  rejectThreshold?: {
    /** rejected ÷ all records of the step's arrival days above this fails every day */
    fraction: number;
    /** RejectThresholdError's message, `{rejected}`, `{total}`, `{percent}` to fill (core/errors fillRejectThresholdMessage; percent: one decimal, half up, of 100·rejected/total in integer arithmetic) */
    message: string;
  };
  /** rows a check outcome's sample holds at most */
  sampleRows?: number;
}

/**
 * How a step reads a dataset's raw records: what its splitter needs, and the statements (Spark's
 * dialect) that type, check and count them (src/core/rawSql: the records relation they read).
 */
export interface RawReadSpec {
  /** e.g. `raw/access_records/` */
  prefix: string;
  format: 'json' | 'csv' | 'parquet';
  /** csv only */
  csv?: { delimiter: string; header: boolean };
  /** a longer record (UTF-8 bytes) is a `too_large` splitter reject */
  maxRecordBytes: number;
  /** a file whose text (inflated) is larger is one `too_large` reject (fileTooLargeDetail); absent: DEFAULTS.maxFileBytes */
  maxFileBytes?: number;
  /** declared columns, config order: the CSV splitter finds each by `path` (header name) or `position` */
  columns: Record<string, RawColumn>;
  /** the generated statements, Spark dialect */
  sql: RawReadSql;
}

/** Lake prefixes of one step, written once here (src/core/runKeys.ts, src/config/config.ts). */
export interface StepKeys {
  /** `processed/<table>/` */
  processed: string;
  /** `rejected/<table>/` (datasets) */
  rejected?: string;
  /** `_runs/<execution>/rejected/<table>/`: a step over its reject threshold writes its rejects here instead */
  quarantine?: string;
  /** `_staging/<execution>/<group>/`: scratch for partitions before they replace the published ones */
  staging: string;
  /**
   * The folders of the step's days (core/partitionLayout: the rule is written once, in TypeScript):
   * `processed` in the table's partitionLayout; `rejected` (and the quarantine) always `ymd`, by arrival day.
   */
  partitions: { processed: DayPartitions; rejected?: DayPartitions };
}

export type StepState = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

export interface StepStatus {
  stepId: string;
  state: StepState;
  failureMessage?: string;
}

export interface DayResult {
  day: Day;
  status: 'succeeded' | 'failed';
  /** valid records whose event day is `day`, before dedup, from its whole raw window */
  recordsIn: number;
  recordsOut: number;
  duplicatesDropped: number;
  /** records of arrival day `day` that were quarantined (malformed, missing fields, bad types, late) */
  rejected: number;
  /** of `rejected`, those quarantined as late */
  late: number;
  /** `rejected` split by reason (invalid_json, late, …); absent when nothing was rejected */
  rejectedByReason?: Record<string, number>;
  error?: { name: string; message: string };
  /** checks that returned rows for this day (passing checks are not listed) */
  checks?: CheckOutcome[];
  /** the table's declared metrics for this day */
  metrics?: Record<string, number>;
}

/** One quality gate as the engines run it: `sql` selects the bad rows of `stage_output`, with their `record_date`. */
export interface CheckQuery {
  /** e.g. `not_null_session_id` */
  name: string;
  severity: 'blocking' | 'warning';
  sql: string;
}

/** A check that returned rows on one day, as an engine reports it (DayResult.checks; the report's view is ReportCheck). */
export interface CheckOutcome {
  name: string;
  severity: 'blocking' | 'warning';
  /** bad rows of the day */
  failingRows: number;
  /** up to 5 of them, as JSON objects */
  sample: Record<string, unknown>[];
}

/** Written by a step to StepSpec.resultKey. */
export interface StepResult {
  groupId: string;
  dataset: string;
  stageVersion: string;
  days: DayResult[];
  /** rejected records of the group's arrival days by reason (invalid_json, missing_field, bad_type, late, truncated_gzip…) */
  rejectedByReason: Record<string, number>;
  /** s */
  seconds: number;
}
