/**
 * The datasets lakestep processes, declared in `lakestep.config.yml` at the project root.
 * Every default is written once, in DEFAULTS; docs point here.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../core/errors';

export const DEFAULTS = {
  lateDays: 1,
  /** fraction of a step group's records */
  rejectThreshold: 0.05,
  /** contiguous days one step computes in a backfill */
  maxDaysPerStep: 7,
  /** Map MaxConcurrency; EMR StepConcurrencyLevel must match */
  stepConcurrency: 2,
  lockTtlSeconds: 6 * 3600,
  lake: './lake',
} as const;

const columnType = z.enum(['string', 'bigint', 'boolean', 'double']);
export type ColumnType = z.infer<typeof columnType>;

const datasetSchema = z
  .object({
    raw: z
      .object({
        prefix: z.string().regex(/^[a-z0-9_\-/]+\/$/, 'a key prefix ending in "/", e.g. raw/access_records/'),
        format: z.literal('json'),
      })
      .strict(),
    stage: z.string().regex(/^spark\/sql\/[a-z0-9_]+\.sql$/, 'a path like spark/sql/<stage>.sql'),
    table: z.string().regex(/^[a-z][a-z0-9_]*$/, 'a lower-case table name'),
    lateDays: z.number().int().min(0).max(30).default(DEFAULTS.lateDays),
    rejectThreshold: z.number().min(0).max(1).default(DEFAULTS.rejectThreshold),
    eventTime: z.string(),
    required: z.array(z.string()).min(1),
    columns: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), columnType),
  })
  .strict();

const configSchema = z
  .object({
    datasets: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), datasetSchema),
    maxDaysPerStep: z.number().int().min(1).max(366).default(DEFAULTS.maxDaysPerStep),
    stepConcurrency: z.number().int().min(1).max(40).default(DEFAULTS.stepConcurrency),
    lockTtlSeconds: z.number().int().min(60).default(DEFAULTS.lockTtlSeconds),
  })
  .strict();

export type DatasetConfig = z.infer<typeof datasetSchema> & { name: string };
export interface LakestepConfig {
  datasets: Record<string, DatasetConfig>;
  maxDaysPerStep: number;
  stepConcurrency: number;
  lockTtlSeconds: number;
}

/** Project root: the folder holding lakestep.config.yml, spark/ and statemachines/. */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');

/**
 * Validates a parsed config object.
 * @throws ConfigError naming the key path and what was expected
 */
export function parseConfig(raw: unknown): LakestepConfig {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(issue.path.join('.') || '(root)', issue.message);
  }
  const datasets: Record<string, DatasetConfig> = {};
  for (const [name, ds] of Object.entries(parsed.data.datasets)) {
    for (const field of [ds.eventTime, ...ds.required]) {
      if (!(field in ds.columns)) throw new ConfigError(`datasets.${name}.required`, `"${field}" is not among the declared columns`);
    }
    if (ds.columns[ds.eventTime] !== 'bigint') {
      throw new ConfigError(`datasets.${name}.eventTime`, `"${ds.eventTime}" must be a bigint column (epoch ms)`);
    }
    datasets[name] = { ...ds, name };
  }
  return { ...parsed.data, datasets };
}

let cached: LakestepConfig | undefined;

/**
 * Loads and validates `lakestep.config.yml` (or `path`). Cached for the default path.
 * @throws ConfigError
 */
export function loadConfig(path?: string): LakestepConfig {
  if (!path && cached) return cached;
  const file = path ?? resolve(PROJECT_ROOT, 'lakestep.config.yml');
  const config = parseConfig(parse(readFileSync(file, 'utf8')));
  if (!path) cached = config;
  return config;
}

/** Lake key prefixes of a dataset's outputs (the same under the S3 bucket and the local folder). */
export const processedPrefix = (ds: DatasetConfig) => `processed/${ds.table}/`;
export const rejectedPrefix = (ds: DatasetConfig) => `rejected/${ds.table}/`;
/** Catalog table of a dataset's quarantined records. */
export const rejectedTable = (ds: DatasetConfig) => `rejected_${ds.table}`;
