/**
 * `lakestep sample` for any project: raw files for every dataset of its config, drawn from the declared
 * columns, paths, types and format (json, csv, parquet), with copies of records (when a dedupKey is
 * declared), records arriving late within the allowance, and a few per day the pipeline quarantines
 * (late beyond it; for json/csv also malformed, missing a required field, or of a wrong type).
 *
 * Layout: a dataset with an eventTime gets Firehose's hourly `YYYY/MM/DD/HH/` files; one without (a
 * daily dump, whose event day is its arrival day) one file a day under `year=/month=/day=/`.
 * Deterministic: the same options give the same records (one seeded stream per dataset).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { recordType } from './declaredRecord';
import type { DatasetConfig, LakestepConfig } from '../config/config';
import { MS_PER_DAY } from '../core/days';
import type { Day } from '../core/types';
import { csvFields, csvHeader, csvLine, drawValues, jsonRecord, UNCASTABLE, type Values } from './declaredRecords';
import { encodeRawText, rawFileKey, writeRawFile } from './rawFile';
import { Rng } from './rng';

const HOUR_MS = 3_600_000;

export interface DeclaredSampleOptions {
  /** the lake folder; files go under `<lakeDir>/<raw prefix>` */
  lakeDir: string;
  config: Pick<LakestepConfig, 'datasets'>;
  /** arrival days, ≥ 1 */
  days: number;
  /** first arrival day (UTC) */
  start: Day;
  /** ordinary records per arrival hour (a daily dump holds 24 × this), ≥ 1 */
  recordsPerHour: number;
  seed: number;
  /** only these datasets; default every one */
  datasets?: string[];
}

/** What was written for one dataset, and what a run must make of it. */
export interface DeclaredSampleSummary {
  dataset: string;
  prefix: string;
  files: number;
  /** record texts written: originals, copies and rejects */
  records: number;
  /** copies of an original (same dedupKey values), dropped by the stage */
  duplicates: number;
  /** originals whose event day is before their arrival day, within lateDays: kept */
  lateWithinAllowance: number;
  /** records the pipeline quarantines (late beyond the allowance, malformed, missing or wrong-typed fields) */
  rejected: number;
  /** distinct valid records: the rows a stage that keeps every record once publishes */
  validRecords: number;
}

/** One arrival unit's records (an hour, or a day for a dump). */
interface Unit {
  arrivalMs: number;
  texts: string[];
}

/**
 * Writes the raw files of every (or each chosen) dataset.
 * @throws Error when a chosen dataset is not in the config
 * @example await generateDeclaredSample({ lakeDir: 'lake', config, days: 3, start: '2024-03-01', recordsPerHour: 100, seed: 42 })
 */
export async function generateDeclaredSample(opts: DeclaredSampleOptions): Promise<DeclaredSampleSummary[]> {
  const names = opts.datasets ?? Object.keys(opts.config.datasets);
  const out: DeclaredSampleSummary[] = [];
  for (const name of names) {
    const ds = opts.config.datasets[name];
    if (!ds)
      throw new Error(
        `sample: no dataset "${name}" in the config (expected one of ${Object.keys(opts.config.datasets).join(', ')})`,
      );
    out.push(await sampleDataset(ds, opts));
  }
  return out;
}

/** A stable 32-bit number of a name, so each dataset draws from its own stream. */
const nameHash = (name: string) => [...name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261) | 0;

async function sampleDataset(ds: DatasetConfig, opts: DeclaredSampleOptions): Promise<DeclaredSampleSummary> {
  const rng = new Rng(opts.seed ^ nameHash(ds.name));
  const hourly = ds.eventTime !== undefined;
  const unitMs = hourly ? HOUR_MS : MS_PER_DAY;
  const unitsPerDay = hourly ? 24 : 1;
  const perUnit = opts.recordsPerHour * (hourly ? 1 : 24);
  const startMs = Date.parse(`${opts.start}T00:00:00Z`);
  const units: Unit[] = Array.from({ length: opts.days * unitsPerDay }, (_, u) => ({
    arrivalMs: startMs + u * unitMs + unitMs - 60_000 + rng.int(59_000),
    texts: [],
  }));
  const summary: DeclaredSampleSummary = {
    dataset: ds.name,
    prefix: ds.raw.prefix,
    files: 0,
    records: 0,
    duplicates: 0,
    lateWithinAllowance: 0,
    rejected: 0,
    validRecords: 0,
  };
  const text = (values: Values) => recordText(ds, values);
  let serial = 0;
  const draw = (eventMs: number) => drawValues(ds, rng, serial++, eventMs, ds.raw.format !== 'parquet');
  const put = (u: number, t: string) => (units[u].texts.push(t), summary.records++);

  for (let u = 0; u < units.length; u++) {
    const unitStart = startMs + u * unitMs;
    for (let i = 0; i < perUnit; i++) {
      const values = draw(unitStart + rng.int(unitMs));
      put(u, text(values));
      summary.validRecords++;
      // a copy (a producer's retry): later in the same unit, or in a unit up to lateDays later
      if (ds.dedupKey && rng.int(50) === 0) {
        const later = u + (hourly ? rng.int(ds.lateDays * 24 + 1) : 0);
        if (later < units.length) put(later, text(values)), summary.duplicates++;
      }
    }
    if (u % unitsPerDay !== 0) continue;
    // once a day: what the lateness allowance keeps and what it rejects, then the malformed records
    if (hourly && ds.lateDays > 0) {
      for (let i = 0, n = Math.max(1, Math.round(perUnit * unitsPerDay * 0.01)); i < n; i++) {
        put(
          u + rng.int(unitsPerDay),
          text(draw(unitStart - rng.between(1, ds.lateDays) * MS_PER_DAY + rng.int(HOUR_MS))),
        );
        summary.validRecords++;
        summary.lateWithinAllowance++;
      }
    }
    if (hourly)
      put(
        u + rng.int(unitsPerDay),
        text(draw(unitStart - (ds.lateDays + 1 + rng.int(2)) * MS_PER_DAY - rng.int(HOUR_MS))),
      ),
        summary.rejected++;
    for (const bad of malformed(ds, draw(unitStart + rng.int(unitMs))))
      put(u + rng.int(unitsPerDay), bad), summary.rejected++;
  }

  const parquet = ds.raw.format === 'parquet' ? await ParquetFiles.open() : undefined;
  try {
    for (const unit of units) {
      if (!unit.texts.length) continue;
      const key = rawFileKey(
        ds.raw.prefix,
        unit.arrivalMs,
        rng.hex8(),
        hourly ? 'firehose' : 'hive',
        `lakestep-${ds.name.replace(/_/g, '-')}`,
      );
      if (parquet) await parquet.write(ds, join(opts.lakeDir, key.replace(/\.gz$/, '.parquet')), unit.texts);
      else {
        const header =
          ds.raw.format === 'csv' && ds.raw.csv?.header !== false
            ? [csvLine(csvHeader(ds), ds.raw.csv!.delimiter)]
            : [];
        await writeRawFile(opts.lakeDir, key, [...header, ...unit.texts]);
      }
      summary.files++;
    }
  } finally {
    parquet?.close();
  }
  return summary;
}

/** A record's text in the dataset's format (a JSON line for json and parquet, the CSV line for csv). */
function recordText(ds: DatasetConfig, values: Values): string {
  return ds.raw.format === 'csv'
    ? csvLine(csvFields(ds, values), ds.raw.csv!.delimiter)
    : JSON.stringify(jsonRecord(ds, values));
}

/**
 * A day's malformed records, one per reason the format allows: not parseable (a proxy's error page in
 * JSON, a line short of a field in a CSV with a header), a required field missing, a field of a type no
 * cast accepts. Parquet columns have their types: none.
 */
function malformed(ds: DatasetConfig, values: Values): string[] {
  if (ds.raw.format === 'parquet') return [];
  const out: string[] = [];
  const headerless = ds.raw.format === 'csv' && ds.raw.csv?.header === false;
  if (ds.raw.format === 'json') out.push('<html><body><h1>502 Bad Gateway</h1></body></html>');
  else if (!headerless && Object.keys(ds.columns).length > 1)
    out.push(csvLine(csvFields(ds, values).slice(1), ds.raw.csv!.delimiter));
  const required = ds.required[0];
  out.push(recordText(ds, { ...values, [required]: undefined }));
  const typed = Object.entries(ds.columns).find(
    ([name, c]) => c.type !== 'string' && !(ds.dedupKey ?? []).includes(name),
  );
  if (typed) out.push(recordText(ds, { ...values, [typed[0]]: UNCASTABLE[typed[1].type] }));
  return out;
}

/** Parquet files written by DuckDB from JSON lines, typed as the dataset declares (timestamps as ISO text). */
class ParquetFiles {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly con: DuckDBConnection,
    private readonly dir: string,
  ) {}

  static async open(): Promise<ParquetFiles> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    return new ParquetFiles(instance, await instance.connect(), await mkdtemp(join(tmpdir(), 'lakestep-sample-')));
  }

  async write(ds: DatasetConfig, path: string, lines: string[]): Promise<void> {
    const json = join(this.dir, 'records.json');
    await writeFile(json, await encodeRawText(`${lines.join('\n')}\n`, { gzip: false }));
    await mkdir(dirname(path), { recursive: true });
    const { columns } = recordType(ds, 'duckdb');
    const struct = `{${Object.entries(columns)
      .map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`)
      .join(', ')}}`;
    await this.con.run(
      `COPY (SELECT * FROM read_json(${sqlString(json)}, format = 'newline_delimited', columns = ${struct})) TO ${sqlString(path)} (FORMAT parquet)`,
    );
  }

  close(): void {
    this.con.closeSync();
    this.instance.closeSync();
    void rm(this.dir, { recursive: true, force: true });
  }
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
