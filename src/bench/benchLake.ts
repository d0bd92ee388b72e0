/**
 * The lake both benches (bench.ts, benchSpark.ts) run over: where it is, the access records generated
 * into it, and their NDJSON twin for the plain reader. Options (environment): BENCH_DAYS,
 * BENCH_RECORDS_PER_HOUR (each bench's own defaults), BENCH_LAKE (a temp folder, removed after unless
 * given), BENCH_KEEP=1 keeps the temporary lake.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadConfig } from '../config/config';
import { addDays, dayRange } from '../core/days';
import { listRawFiles } from '../local/duckdb/rawFiles';
import { decodeRawFile } from '../local/duckdb/rawDecode';
import { splitRecords } from '../local/duckdb/records';
import { generateSample } from '../../examples/synapse/sample/generate';

const START = '2024-03-01';

/** A bench's lake and what it generates into it. */
export interface BenchLake {
  lakeDir: string;
  /** the lake stays after the bench (BENCH_LAKE given, or BENCH_KEEP=1) */
  keep: boolean;
  /** arrival days from START */
  days: string[];
  recordsPerHour: number;
}

/** The lake BENCH_LAKE names, or a new temporary folder `<tmpPrefix>…`; `defaults` where BENCH_* is unset. */
export async function benchLake(defaults: {
  days: number;
  recordsPerHour: number;
  tmpPrefix: string;
}): Promise<BenchLake> {
  const daysCount = Number(process.env.BENCH_DAYS ?? defaults.days);
  return {
    lakeDir: process.env.BENCH_LAKE ?? (await mkdtemp(join(tmpdir(), defaults.tmpPrefix))),
    keep: Boolean(process.env.BENCH_LAKE) || process.env.BENCH_KEEP === '1',
    days: dayRange(START, addDays(START, daysCount - 1)),
    recordsPerHour: Number(process.env.BENCH_RECORDS_PER_HOUR ?? defaults.recordsPerHour),
  };
}

/** generateSample's access records (seed 1) for the lake's days, as gzip Firehose files. */
export const generateBenchSample = (lake: BenchLake) =>
  generateSample({
    lakeDir: lake.lakeDir,
    days: lake.days.length,
    start: START,
    recordsPerHour: lake.recordsPerHour,
    seed: 1,
    datasets: ['access_records'],
  });

/**
 * The untimed twin for the plain copy: every record of every raw file, one per line, gzip level 1.
 * @returns its folder, `<lake>/_bench_twin`
 */
export async function writeTwin(lake: BenchLake): Promise<string> {
  const dataset = loadConfig().datasets.access_records;
  const twinDir = join(lake.lakeDir, '_bench_twin');
  for (const file of await listRawFiles(lake.lakeDir, dataset.raw.prefix, lake.days)) {
    const decoded = decodeRawFile(await readFile(file.path));
    const spans = splitRecords(decoded.text);
    const parts: Buffer[] = [];
    for (let r = 0; r < spans.count; r++)
      parts.push(decoded.text.subarray(spans.starts[r], spans.ends[r]), Buffer.from('\n'));
    const out = join(twinDir, file.key.replace(/\.gz$/, '') + '.json.gz');
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, gzipSync(Buffer.concat(parts), { level: 1 }));
  }
  return twinDir;
}
