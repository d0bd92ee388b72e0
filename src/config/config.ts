/**
 * The tables lakestep computes (datasets from raw sources, aggregates of processed tables), declared in
 * `lakestep.config.yml` at the project root (docs/tables.md).
 * Every default is written once, in DEFAULTS; docs point here. Checks of one table's declarations: tableChecks.ts.
 * Over 300 lines: the schema is one zod object whose parts (and their types, imported everywhere) read together.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError, InputError } from '../core/errors';
import { phasesOf } from '../core/phases';
import { selectOnlyProblem, sqlCodeOnly } from '../core/sqlText';
import { historyEventsOfGroup, maxGroupsInHistory, STEP_HISTORY_BUDGET } from '../core/stepPolling';
import { DEFAULT_PARTITION_LAYOUT, PARTITION_LAYOUTS } from '../core/partitionLayout';
import { CONFIG_FILE, projectRoot } from './project';
import { checkedColumnsKnown, partitionColumnsFree } from './tableChecks';

export const DEFAULTS = {
  lateDays: 1,
  /** fraction of a step group's records */
  rejectThreshold: 0.05,
  /** contiguous days one step computes in a backfill */
  maxDaysPerStep: 7,
  /**
   * step groups one execution runs (more only when fewer could not move the run on: core/plan
   * planExecution); a longer run goes on in a new execution. Step Functions keeps 25,000 history
   * events per execution; a group costs 9 + 9 per poll, and polls back off (core/stepPolling) up to the
   * step's deadline: at most 279 events for a 120-min step, so 20 groups ≤ 5,580 events, and the config
   * is refused when maxStepsPerExecution groups at their stepTimeoutMinutes could pass 20,000.
   * 20 groups of 7 days ≈ 140 days an execution.
   */
  maxStepsPerExecution: 20,
  /**
   * min from a step's launch to its deadline: CheckStep then cancels it (EMR CancelSteps) and fails its days
   * with StepTimeoutError. A hung step would otherwise hold its cluster (idle auto-termination never fires
   * while a step runs) and poll until the execution's own 48-h timeout. A table may set its own.
   */
  stepTimeoutMinutes: 120,
  /** Map MaxConcurrency; EMR StepConcurrencyLevel must match */
  stepConcurrency: 2,
  lockTtlSeconds: 6 * 3600,
  lake: './lake',
  /** row-count drift warning: |count − trailing mean| / trailing mean above this */
  driftMaxChange: 0.5,
  driftTrailingDays: 7,
  /** bytes of one raw record's text (UTF-8); a longer record is quarantined as too_large (docs/raw-records.md) */
  maxRecordBytes: 64 * 1024 * 1024,
  /** bytes of one raw file's text (after gzip inflation); a larger file (a gzip bomb) is one too_large reject, never inflated further */
  maxFileBytes: 1024 * 1024 * 1024,
  /** `raw.csv` when not given */
  csv: { delimiter: ',', header: true },
  /** how a table's day folders are named (core/partitionLayout.ts): `year=/month=/day=` */
  partitionLayout: DEFAULT_PARTITION_LAYOUT,
} as const;

/** Types of raw columns (the lenient casts of docs/raw-records.md turn raw values into them). */
const columnType = z.enum(['string', 'bigint', 'boolean', 'double', 'timestamp']);
export type ColumnType = z.infer<typeof columnType>;

/**
 * A path into a record: key names joined by `.` (`payload.sessionId`). For CSV it is the header name,
 * taken as it is (no nesting). No quote, backtick, backslash or control character: the generated SQL
 * quotes segments but never escapes them.
 */
const pathText = z
  .string()
  .regex(
    /^[^.`"'\\\x00-\x1f]+(\.[^.`"'\\\x00-\x1f]+)*$/,
    'key names joined by "." (no quotes, backticks or backslashes)',
  );

/** `name: type`, or `name: { type, path, position, unit }` (docs/raw-records.md "Declaring columns"). */
const columnSchema = z.union([
  columnType,
  z
    .object({
      type: columnType,
      /** where the value is in a JSON or Parquet record (default: the column's name); a CSV header name */
      path: pathText.optional(),
      /** headerless CSV/TSV: the 0-based field position */
      position: z.number().int().min(0).max(10_000).optional(),
      /** timestamp from a number: epoch milliseconds (default) or seconds */
      unit: z.enum(['ms', 's']).optional(),
    })
    .strict(),
]);

/**
 * A declared raw column, normalised: `path` is its key path (default the column's name; for CSV with a
 * header the header name), `position` its field in headerless CSV, `unit` how a number becomes a
 * timestamp (`ms` unless `unit: s`; meaningless for other types).
 * @example { type: 'bigint', path: 'payload.fileHandleId', unit: 'ms' }
 */
export interface RawColumn {
  type: ColumnType;
  path: string;
  position?: number;
  unit: 'ms' | 's';
}
/** Types of a stage's output columns, for the schema check (src/core/checks.ts). */
const outputType = z.enum(['string', 'bigint', 'boolean', 'double', 'date', 'timestamp']);
export type OutputType = z.infer<typeof outputType>;

const name = z.string().regex(/^[a-z][a-z0-9_]*$/, 'a lower-case name (letters, digits, _)');
const column = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a column name');

/** Day D of the reading table reads days D+fromDays … D+toDays of `table` (for a weekly table, D is the Monday). */
const readSchema = z
  .object({ table: name, fromDays: z.number().int().min(-366).max(366), toDays: z.number().int().min(-366).max(366) })
  .strict()
  .refine((r) => r.fromDays <= r.toDays, { message: 'fromDays must be ≤ toDays' });
export type ReadConfig = z.infer<typeof readSchema>;

/** Quality gates (docs/tables.md); every one is a query returning bad rows. */
const checksSchema = z
  .object({
    schema: z.boolean().default(true),
    notNull: z.array(column).default([]),
    unique: z.array(z.array(column).min(1)).default([]),
    accepted: z.record(column, z.array(z.string()).min(1)).default({}),
    pattern: z.record(column, z.string().min(1)).default({}),
    rowCountDrift: z
      .object({
        maxChange: z.number().positive().default(DEFAULTS.driftMaxChange),
        trailingDays: z.number().int().min(1).max(90).default(DEFAULTS.driftTrailingDays),
      })
      .strict()
      .optional(),
    /** names of checks (e.g. `not_null_user_id`) reported as warnings instead of failing their days */
    warnOnly: z.array(z.string()).default([]),
  })
  .strict()
  .default({});
export type ChecksConfig = z.infer<typeof checksSchema>;

/** 5 min … 24 h: an execution times out after 48 h (pipeline.asl.yml TimeoutSeconds) */
const stepTimeoutMinutesSchema = z
  .number()
  .int()
  .min(5)
  .max(24 * 60);

const stageFields = {
  stage: z.string().regex(/^spark\/sql\/[a-z0-9_]+\.sql$/, 'a path like spark/sql/<stage>.sql'),
  table: name,
  /** processed tables the stage reads, with their day windows */
  reads: z.array(readSchema).default([]),
  /** the stage's output columns and types (checked by the schema gate) */
  output: z.record(column, outputType),
  checks: checksSchema,
  /** name → SQL aggregate over one day's output rows, reported per day */
  metrics: z.record(name, z.string().min(1)).default({}),
  /** this table's steps' deadline (min from launch); default the top-level stepTimeoutMinutes */
  stepTimeoutMinutes: stepTimeoutMinutesSchema.optional(),
  /** `ymd`: `year=YYYY/month=MM/day=DD/`; `date`: `record_date=YYYY-MM-DD/` (docs/tables.md "Partition layout") */
  partitionLayout: z.enum(PARTITION_LAYOUTS).default(DEFAULTS.partitionLayout),
};

const datasetSchema = z
  .object({
    raw: z
      .object({
        // relative segments only: `/etc/` or `a//b/` would leave the lake (a folder lake joins the prefix to its path)
        prefix: z
          .string()
          .regex(
            /^[a-z0-9_-]+(\/[a-z0-9_-]+)*\/$/,
            'a key prefix of lower-case segments ending in "/", e.g. raw/access_records/',
          ),
        /** json: records one per line, back to back, pretty-printed or in one array; csv; parquet */
        format: z.enum(['json', 'csv', 'parquet']),
        /** csv only; TSV: `{ delimiter: "\t", header: false }` */
        csv: z
          .object({
            delimiter: z.string().length(1).default(DEFAULTS.csv.delimiter),
            header: z.boolean().default(DEFAULTS.csv.header),
          })
          .strict()
          .optional(),
      })
      .strict(),
    /** a longer record (UTF-8 bytes) is quarantined as too_large */
    maxRecordBytes: z
      .number()
      .int()
      .min(1024)
      .max(1 << 30)
      .default(DEFAULTS.maxRecordBytes),
    /** a raw file whose text (inflated) is larger is quarantined whole as too_large; at most 2 GiB − 1 KiB (a Java array) */
    maxFileBytes: z
      .number()
      .int()
      .min(1024)
      .max(2 ** 31 - 1024)
      .default(DEFAULTS.maxFileBytes),
    ...stageFields,
    lateDays: z.number().int().min(0).max(30).default(DEFAULTS.lateDays),
    rejectThreshold: z.number().min(0).max(1).default(DEFAULTS.rejectThreshold),
    /** a timestamp column, or a bigint column of epoch ms, giving the event day; absent: the event day is the arrival day (snapshot dumps) */
    eventTime: z.string().optional(),
    required: z.array(z.string()).min(1),
    columns: z.record(column, columnSchema),
    /** raw columns whose equal values make records copies of one another (the stage keeps one): duplicates are counted by it */
    dedupKey: z.array(column).min(1).optional(),
  })
  .strict();

const aggregateSchema = z
  .object({
    ...stageFields,
    /** `week`: one partition per ISO week, at its Monday */
    period: z.enum(['day', 'week']).default('day'),
  })
  .strict();

/**
 * A metric package (docs: README "Exports"): the rows of one SELECT over the project's tables, written as a
 * JSON array after every execution that changed a day of a table it `reads`.
 */
const exportSchema = z
  .object({
    /** one read-only SELECT (or WITH … SELECT) over the catalog's tables */
    sql: z.string().min(1),
    /** the tables the SQL reads: a changed day of one of them rewrites the export */
    reads: z.array(name).min(1),
  })
  .strict();
export type ExportConfig = z.infer<typeof exportSchema> & { name: string };

const configSchema = z
  .object({
    datasets: z.record(name, datasetSchema),
    aggregates: z.record(name, aggregateSchema).default({}),
    exports: z.record(name, exportSchema).default({}),
    maxDaysPerStep: z.number().int().min(1).max(366).default(DEFAULTS.maxDaysPerStep),
    maxStepsPerExecution: z.number().int().min(1).max(100).default(DEFAULTS.maxStepsPerExecution),
    stepTimeoutMinutes: stepTimeoutMinutesSchema.default(DEFAULTS.stepTimeoutMinutes),
    stepConcurrency: z.number().int().min(1).max(40).default(DEFAULTS.stepConcurrency),
    lockTtlSeconds: z.number().int().min(60).default(DEFAULTS.lockTtlSeconds),
    /** `lakestep sample`: the project's own generator instead of the one drawing from the declared columns */
    sample: z
      .object({
        generator: z
          .string()
          .regex(
            /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9_./-]+\.(ts|js)$/,
            'a .ts or .js module path relative to the project, e.g. sample/index.ts',
          ),
      })
      .strict()
      .optional(),
  })
  .strict();

export type ParsedDataset = z.infer<typeof datasetSchema>;
/** A dataset as validated: columns normalised (RawColumn), `raw.csv` set for csv. */
export type DatasetConfig = Omit<ParsedDataset, 'columns' | 'raw'> & {
  raw: { prefix: string; format: 'json' | 'csv' | 'parquet'; csv?: { delimiter: string; header: boolean } };
  columns: Record<string, RawColumn>;
  name: string;
  period: 'day';
};
export type AggregateConfig = z.infer<typeof aggregateSchema> & { name: string };
/** A table lakestep computes: a dataset (raw-fed) or an aggregate (reads processed tables only). */
export type TableConfig = DatasetConfig | AggregateConfig;
export interface LakestepConfig {
  datasets: Record<string, DatasetConfig>;
  aggregates: Record<string, AggregateConfig>;
  maxDaysPerStep: number;
  maxStepsPerExecution: number;
  /** min; a table's own stepTimeoutMinutes wins (stepTimeoutMinutesOf) */
  stepTimeoutMinutes: number;
  stepConcurrency: number;
  lockTtlSeconds: number;
  exports: Record<string, ExportConfig>;
  /** `generator`: a module of the project (path relative to it) exporting `sample` (src/sample/projectSample.ts) */
  sample?: { generator: string };
}

export const isDataset = (table: TableConfig): table is DatasetConfig => 'raw' in table;

export { PACKAGE_ROOT, projectRoot } from './project';

/**
 * Validates a parsed config object: the schema, then what spans entries (declared fields, reads
 * naming known tables, no cycles).
 * @throws ConfigError naming the key path and what was expected
 */
export function parseConfig(raw: unknown): LakestepConfig {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(issue.path.join('.') || '(root)', issue.message);
  }
  const datasets: Record<string, DatasetConfig> = {};
  for (const [key, ds] of Object.entries(parsed.data.datasets)) {
    for (const field of [...(ds.eventTime ? [ds.eventTime] : []), ...ds.required, ...(ds.dedupKey ?? [])]) {
      if (!(field in ds.columns))
        throw new ConfigError(
          `datasets.${key}`,
          `"${field}" (eventTime, required or dedupKey) is not among the declared columns`,
        );
    }
    const columns = normaliseColumns(`datasets.${key}`, ds.raw, ds.columns);
    if (ds.eventTime && columns[ds.eventTime].type !== 'bigint' && columns[ds.eventTime].type !== 'timestamp') {
      throw new ConfigError(
        `datasets.${key}.eventTime`,
        `"${ds.eventTime}" must be a timestamp column or a bigint column (epoch ms)`,
      );
    }
    const raw = ds.raw.format === 'csv' ? { ...ds.raw, csv: ds.raw.csv ?? { ...DEFAULTS.csv } } : ds.raw;
    datasets[key] = { ...ds, raw, columns, name: key, period: 'day' };
  }
  const aggregates: Record<string, AggregateConfig> = {};
  for (const [key, agg] of Object.entries(parsed.data.aggregates)) {
    if (key in datasets) throw new ConfigError(`aggregates.${key}`, 'is also a dataset (expected unique table names)');
    aggregates[key] = { ...agg, name: key };
  }
  // not `exports`: the compiled module's own `exports` would be shadowed in this function
  const exportEntries: Record<string, ExportConfig> = {};
  for (const [key, exp] of Object.entries(parsed.data.exports)) exportEntries[key] = { ...exp, name: key };
  const config = { ...parsed.data, datasets, aggregates, exports: exportEntries };
  for (const [section, entries] of [
    ['datasets', datasets],
    ['aggregates', aggregates],
  ] as const) {
    for (const [key, table] of Object.entries(entries)) {
      if (table.table !== key)
        throw new ConfigError(
          `${section}.${key}.table`,
          `"${table.table}" differs from the entry's name (expected "${key}")`,
        );
      checkedColumnsKnown(`${section}.${key}`, table);
      partitionColumnsFree(`${section}.${key}`, table);
      table.reads.forEach((read, i) => {
        if (!(read.table in datasets) && !(read.table in aggregates)) {
          throw new ConfigError(
            `${section}.${key}.reads.${i}.table`,
            `unknown table "${read.table}" (expected one of ${allTableNames(config).join(', ')})`,
          );
        }
      });
    }
  }
  readsFormNoCycle(config);
  for (const exp of Object.values(exportEntries)) checkExport(config, exp);
  checkHistoryBudget(config);
  return config;
}

/** A table's step deadline in minutes from launch: its own stepTimeoutMinutes, else the top-level one. */
export const stepTimeoutMinutesOf = (
  config: Pick<LakestepConfig, 'stepTimeoutMinutes'>,
  table: Pick<TableConfig, 'stepTimeoutMinutes'>,
) => table.stepTimeoutMinutes ?? config.stepTimeoutMinutes;

/**
 * One execution's step groups must fit its history even if every step polls until its deadline.
 * @throws ConfigError on maxStepsPerExecution, naming the longest timeout and the most groups it allows
 */
function checkHistoryBudget(config: LakestepConfig): void {
  const tables = [...Object.values(config.datasets), ...Object.values(config.aggregates)];
  const longestMinutes = Math.max(config.stepTimeoutMinutes, ...tables.map((t) => stepTimeoutMinutesOf(config, t)));
  const allowed = maxGroupsInHistory(longestMinutes * 60);
  if (config.maxStepsPerExecution > allowed) {
    const events = config.maxStepsPerExecution * historyEventsOfGroup(longestMinutes * 60);
    throw new ConfigError(
      'maxStepsPerExecution',
      `${config.maxStepsPerExecution} steps that may each run ${longestMinutes} min (stepTimeoutMinutes) could write ${events.toLocaleString('en-US')} history events, ` +
        `over the ${STEP_HISTORY_BUDGET.toLocaleString('en-US')} an execution leaves its steps (of 25,000); expected at most ${allowed}, or a shorter stepTimeoutMinutes`,
    );
  }
}

/**
 * An export's SQL is one read-only SELECT; its `reads` are tables of the config, each named in the SQL,
 * and every config table the SQL reads (after FROM or JOIN) is among its `reads` (else a change to that
 * table would leave the export stale).
 * @throws ConfigError naming `exports.<name>.sql` or `exports.<name>.reads.<i>`
 */
function checkExport(config: Pick<LakestepConfig, 'datasets' | 'aggregates'>, exp: ExportConfig): void {
  const at = `exports.${exp.name}`;
  const problem = selectOnlyProblem(exp.sql);
  if (problem) throw new ConfigError(`${at}.sql`, problem);
  const tables = allTableNames(config);
  const code = sqlCodeOnly(exp.sql);
  exp.reads.forEach((table, i) => {
    if (!tables.includes(table))
      throw new ConfigError(`${at}.reads.${i}`, `unknown table "${table}" (expected one of ${tables.join(', ')})`);
    if (!new RegExp(`\\b${table}\\b`, 'i').test(code))
      throw new ConfigError(
        `${at}.reads.${i}`,
        `"${table}" is not named in the export's sql (expected the tables the sql reads)`,
      );
  });
  for (const [, table] of code.matchAll(/\b(?:from|join)\s+([A-Za-z_][A-Za-z0-9_]*)/gi)) {
    const known = tables.find((t) => t === table.toLowerCase());
    if (known && !exp.reads.includes(known))
      throw new ConfigError(
        `${at}.reads`,
        `lacks "${known}", which the sql reads (expected every table the sql reads, so a change to it rewrites the export)`,
      );
  }
}

/** Every table name, datasets first. */
export const allTableNames = (config: Pick<LakestepConfig, 'datasets' | 'aggregates'>) => [
  ...Object.keys(config.datasets),
  ...Object.keys(config.aggregates),
];

/**
 * @throws ConfigError when `name` is no table
 */
export function tableConfig(config: Pick<LakestepConfig, 'datasets' | 'aggregates'>, name: string): TableConfig {
  const table = config.datasets[name] ?? config.aggregates[name];
  if (!table) throw new ConfigError(name, `unknown table (expected one of ${allTableNames(config).join(', ')})`);
  return table;
}

/**
 * Refuses a config whose reads form a cycle: core/phases.phasesOf, the one phase computation (the plan
 * calls it too), finds it.
 * @throws ConfigError on a cycle of reads
 */
function readsFormNoCycle(config: Pick<LakestepConfig, 'datasets' | 'aggregates'>): void {
  try {
    phasesOf(allTableNames(config).map((name) => tableConfig(config, name)));
  } catch (error) {
    if (error instanceof InputError) throw new ConfigError(error.field, error.message.slice(error.field.length + 2));
    throw error;
  }
}

const cache = new Map<string, LakestepConfig>();

/**
 * Loads and validates a project's `lakestep.config.yml` (default: the project in use, projectRoot()),
 * and checks that every stage SQL file it names exists (stage paths are relative to the config's
 * folder). Cached per file.
 * @throws ConfigError naming the file, or the key whose stage file is missing
 */
export function loadConfig(path?: string): LakestepConfig {
  const file = path ?? resolve(projectRoot(), CONFIG_FILE);
  const hit = cache.get(file);
  if (hit && !path) return hit;
  let parsed: unknown;
  try {
    parsed = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    // YAML syntax errors say where, not which file
    if (err instanceof Error && err.name.startsWith('YAML'))
      throw new ConfigError('(syntax)', `${file}: ${err.message}`);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ConfigError('(file)', `${file} does not exist (expected the project's lakestep.config.yml)`);
    throw err;
  }
  const config = parseConfig(parsed);
  for (const [section, entries] of [
    ['datasets', config.datasets],
    ['aggregates', config.aggregates],
  ] as const) {
    for (const [key, table] of Object.entries(entries)) {
      const stage = resolve(dirname(file), table.stage);
      if (!existsSync(stage))
        throw new ConfigError(`${section}.${key}.stage`, `${stage} does not exist (expected the stage's SQL file)`);
    }
  }
  if (!path) cache.set(file, config);
  return config;
}

/** Lake key prefixes of a table's outputs (the same under the S3 bucket and the local folder). */
export const processedPrefix = (t: Pick<TableConfig, 'table'>) => `processed/${t.table}/`;
export const rejectedPrefix = (t: Pick<TableConfig, 'table'>) => `rejected/${t.table}/`;
/** Catalog table of a dataset's quarantined records. */
export const rejectedTable = (t: Pick<TableConfig, 'table'>) => `rejected_${t.table}`;

/**
 * Declared columns → RawColumn, with what depends on the format checked: `raw.csv` only for csv;
 * `position` only (and then on every column) for headerless CSV; one path may not run through
 * another's value (`a` and `a.b`): a value is either a leaf or an object.
 * @throws ConfigError naming the column
 */
export function normaliseColumns(
  where: string,
  raw: ParsedDataset['raw'],
  declared: ParsedDataset['columns'],
): Record<string, RawColumn> {
  if (raw.csv && raw.format !== 'csv')
    throw new ConfigError(`${where}.raw.csv`, `is for format csv only (format is ${raw.format})`);
  const headerless = raw.format === 'csv' && raw.csv?.header === false;
  const columns: Record<string, RawColumn> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const full = typeof spec === 'string' ? { type: spec } : spec;
    const at = `${where}.columns.${name}`;
    if (headerless && full.position === undefined)
      throw new ConfigError(at, 'needs a position (raw.csv.header is false: fields are found by 0-based position)');
    if (!headerless && full.position !== undefined)
      throw new ConfigError(`${at}.position`, 'is for headerless CSV only (raw.csv.header: false); use path');
    if (full.unit !== undefined && full.type !== 'timestamp')
      throw new ConfigError(`${at}.unit`, `is for timestamp columns only (type is ${full.type})`);
    columns[name] = {
      type: full.type,
      path: full.path ?? name,
      ...(full.position !== undefined ? { position: full.position } : {}),
      unit: full.unit ?? 'ms',
    };
  }
  if (raw.format !== 'csv') {
    const paths = Object.entries(columns).map(([name, c]) => [name, `${c.path}.`] as const);
    for (const [a, pa] of paths) {
      for (const [b, pb] of paths) {
        if (a !== b && pb.startsWith(pa))
          throw new ConfigError(
            `${where}.columns.${b}.path`,
            `runs through the value of column "${a}" (path ${pa.slice(0, -1)}): a value is a leaf or an object, not both`,
          );
        if (a < b && pa === pb)
          throw new ConfigError(
            `${where}.columns.${b}.path`,
            `is also the path of column "${a}" (expected one column per value)`,
          );
      }
    }
  }
  return columns;
}
