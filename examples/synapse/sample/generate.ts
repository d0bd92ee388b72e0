/**
 * `lakestep sample`: writes realistic raw Synapse access records into a lake folder, exactly as
 * Firehose lays them out, with planted duplicates, late and malformed records, and returns the
 * counts the pipeline must produce from them (computed by the rules of docs/raw-records.md).
 * With them (unless `datasets` leaves them out): the file downloads those access records imply
 * (`raw/file_downloads/`, Firehose JSON) and daily node snapshot dumps (`raw/node_snapshots/`,
 * Hive CSV), with their own expected figures.
 *
 * Deterministic: the same options give byte-identical files (seeded PRNG, fixed gzip level, no
 * wall-clock input).
 */
import { DEFAULTS } from '../../../src/config/config';
import { InputError } from '../../../src/core/errors';
import { addDays, daysBetween } from '../../../src/core/days';
import type { Day } from '../../../src/core/types';
import { AccessHourEmitter, HOUR_MS, type PlantedCounts } from './accessHours';
import { Vocabulary } from './accessRecord';
import { DownloadGenerator, type DownloadsExpected } from './downloads';
import { Writer } from './gzipWriter';
import { NodeBook, type NodeEvents } from './nodes';
import { dayNumOf, dayOfNum, expectedOf, type SampleExpected, Tally } from './sampleTally';
import { rawFileKey, type RawLayout } from '../../../src/sample/rawFile';
import { Rng } from '../../../src/sample/rng';

export { writeRawFile, joinRecords, rawFileKey } from '../../../src/sample/rawFile';
export type { RawLayout, RecordSeparator, WriteRawFileOptions } from '../../../src/sample/rawFile';
export type { DownloadsExpected } from './downloads';
export type { NodeEvents } from './nodes';

/** The raw datasets `generateSample` can write. */
export type SampleDataset = 'access_records' | 'file_downloads' | 'node_snapshots';
export const SAMPLE_DATASETS: readonly SampleDataset[] = ['access_records', 'file_downloads', 'node_snapshots'];
/** Raw prefixes of the derived datasets (the access records' is the `prefix` option). */
export const DOWNLOADS_PREFIX = 'raw/file_downloads/';
export const SNAPSHOTS_PREFIX = 'raw/node_snapshots/';

export interface GenerateSampleOptions {
  /** the lake folder; files go under `<lakeDir>/<prefix>` */
  lakeDir: string;
  /** arrival days to write, ≥ 1 */
  days: number;
  /** first arrival day, `YYYY-MM-DD` (UTC) */
  start: Day;
  /**
   * ordinary records per arrival hour, ≥ 0. The planted cases add about 18 records (8 of them
   * quarantined) a day on top: keep it ≥ 20 for a run under the default 5 % reject threshold.
   */
  recordsPerHour: number;
  /** any integer; equal seeds give identical lakes */
  seed: number;
  /** default `firehose` (`YYYY/MM/DD/HH/`); `hive` writes `year=YYYY/month=MM/day=DD/` */
  layout?: RawLayout;
  /** the dataset's raw prefix; default `raw/access_records/` */
  prefix?: string;
  /** the lateness allowance the expected counts assume (and beyond which `late` records are planted); default DEFAULTS.lateDays */
  lateDays?: number;
  /**
   * which datasets to write; default all three. Each dataset's files are the same whichever
   * others are chosen (every part draws from its own seeded stream); without access_records its
   * records are still drawn (the downloads derive from them) but not written.
   */
  datasets?: SampleDataset[];
}

/** The file downloads written (`datasets` includes file_downloads). */
export interface DownloadsSummary {
  /** `raw/file_downloads/`; laid out like the access records (the `layout` option) */
  prefix: string;
  files: number;
  /** bytes written (compressed) */
  bytes: number;
  /** record texts written, copies included */
  recordsWritten: number;
  /** the pipeline's figures, given the node snapshots of this sample (written or not) */
  expected: DownloadsExpected;
}

/** The node snapshot dumps written (`datasets` includes node_snapshots): one gzip CSV per arrival day, Hive layout. */
export interface SnapshotsSummary {
  /** `raw/node_snapshots/` */
  prefix: string;
  files: number;
  bytes: number;
  /** distinct nodes over the sample */
  nodes: number;
  /** data rows of each day's dump (header excluded) */
  rowsBySnapshotDay: Record<Day, number>;
  /** moves between projects (TIMESTAMP = atMs) and nodes first listed after day 0 */
  events: NodeEvents;
}

export interface SampleSummary {
  lakeDir: string;
  /** the access records' raw prefix */
  prefix: string;
  layout: RawLayout;
  /** first and last arrival day written */
  firstDay: Day;
  lastDay: Day;
  /** access-record files (0 when access_records is not chosen) */
  files: number;
  /** bytes of access-record files written (compressed) */
  bytes: number;
  /** access-record texts written, malformed and duplicate copies included */
  recordsWritten: number;
  planted: PlantedCounts;
  /** of the access records */
  expected: SampleExpected;
  fileDownloads?: DownloadsSummary;
  nodeSnapshots?: SnapshotsSummary;
}

/**
 * Writes `days × 24` arrival hours of raw access records (2–4 gzip files per hour) and returns
 * what was written and what the pipeline must make of it.
 * @throws InputError for a bad option (names it and what was expected)
 * @example await generateSample({ lakeDir: './lake', days: 3, start: '2024-03-01', recordsPerHour: 500, seed: 7 })
 */
export async function generateSample(opts: GenerateSampleOptions): Promise<SampleSummary> {
  const { lakeDir, days, start, recordsPerHour, seed } = opts;
  const layout = opts.layout ?? 'firehose';
  const prefix = opts.prefix ?? 'raw/access_records/';
  const lateDays = opts.lateDays ?? DEFAULTS.lateDays;
  validate(opts);
  const want = new Set<SampleDataset>(opts.datasets ?? SAMPLE_DATASETS);

  const rng = new Rng(seed);
  const vocab = new Vocabulary(rng);
  const startMs = Date.parse(`${start}T00:00:00Z`);
  const firstDayNum = dayNumOf(startMs);
  const totalHours = days * 24;
  // Their own streams (seeds mixed with a constant), so the access records are byte-identical to a lake without them.
  const book = new NodeBook(new Rng((seed ^ 0x4e4f4445) | 0), vocab.entityIds(), startMs, days);
  const downloads = new DownloadGenerator(new Rng((seed ^ 0x444c4f41) | 0), book, startMs, firstDayNum, totalHours);
  const dl = { files: 0, bytes: 0, records: 0 };
  const tally = new Tally(lateDays, firstDayNum);
  const emitter = new AccessHourEmitter(rng, vocab, tally, downloads, {
    startMs,
    firstDayNum,
    totalHours,
    lateDays,
    recordsPerHour,
  });

  const writer = new Writer(lakeDir);
  let files = 0;
  let recordsWritten = 0;

  for (let h = 0; h < totalHours; h++) {
    const hourStart = startMs + h * HOUR_MS;
    const open = emitter.hour(h);
    let lastFlushMs = hourStart;
    for (const file of open) {
      if (file.count === 0) continue;
      const key = rawFileKey(
        prefix,
        file.timeMs,
        `${rng.hex8()}-${rng.hex8().slice(0, 4)}-${rng.hex8().slice(0, 4)}-${rng.hex8().slice(0, 4)}-${rng.hex8()}${rng.hex8().slice(0, 4)}`,
        layout,
      );
      lastFlushMs = Math.max(lastFlushMs, file.timeMs);
      if (!want.has('access_records')) continue;
      await writer.write(key, file.finish(), 'access');
      files++;
      recordsWritten += file.count;
    }

    // The hour's downloads: one file, flushed with the hour's last access-record file.
    const hourDownloads = downloads.takeHour(h);
    if (hourDownloads && want.has('file_downloads')) {
      const key = rawFileKey(
        DOWNLOADS_PREFIX,
        lastFlushMs,
        `${h.toString(16).padStart(8, '0')}-0000-4000-8000-${seedHex(seed)}`,
        layout,
        'lakestep-file-downloads',
      );
      await writer.write(key, hourDownloads.body, 'downloads');
      dl.files++;
      dl.records += hourDownloads.records;
    }
  }

  // One dump a day, the state at the day's end (written last: the download pass fixes which nodes appear late).
  const snapshots = { files: 0, rowsBySnapshotDay: {} as Record<Day, number> };
  for (let d = 0; d < days; d++) {
    const { text, rows } = book.dump(d);
    const day = dayOfNum(firstDayNum + d);
    snapshots.rowsBySnapshotDay[day] = rows;
    if (!want.has('node_snapshots')) continue;
    const [y, m, dd] = day.split('-');
    await writer.write(
      `${SNAPSHOTS_PREFIX}year=${y}/month=${m}/day=${dd}/node-snapshot-${day}.csv.gz`,
      Buffer.from(text, 'utf8'),
      'snapshots',
    );
    snapshots.files++;
  }
  const bytesOf = await writer.close();
  const bytes = bytesOf.access;

  const expected = expectedOf(tally, lateDays);
  const summary: SampleSummary = {
    lakeDir,
    prefix,
    layout,
    firstDay: start,
    lastDay: dayOfNum(firstDayNum + days - 1),
    files,
    bytes,
    recordsWritten,
    planted: emitter.planted,
    expected,
  };
  if (want.has('file_downloads')) {
    summary.fileDownloads = {
      prefix: DOWNLOADS_PREFIX,
      files: dl.files,
      bytes: bytesOf.downloads,
      recordsWritten: dl.records,
      expected: downloads.expected(),
    };
  }
  if (want.has('node_snapshots')) {
    summary.nodeSnapshots = {
      prefix: SNAPSHOTS_PREFIX,
      files: snapshots.files,
      bytes: bytesOf.snapshots,
      nodes: book.size,
      rowsBySnapshotDay: snapshots.rowsBySnapshotDay,
      events: book.events(),
    };
  }
  return summary;
}

/** The seed as 12 hex digits (a file-name suffix: stable per seed, like Firehose's per-stream UUID tail). */
const seedHex = (seed: number) => (seed >>> 0).toString(16).padStart(12, '0');

function validate(opts: GenerateSampleOptions) {
  const intIn = (field: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max)
      throw new InputError(field, `${JSON.stringify(v)} is not an integer in ${min}…${max}`);
  };
  intIn('days', opts.days, 1, 3660);
  intIn('recordsPerHour', opts.recordsPerHour, 0, 10_000_000);
  intIn('seed', opts.seed, -(2 ** 31), 2 ** 32 - 1);
  if (opts.lateDays !== undefined) intIn('lateDays', opts.lateDays, 0, 30);
  const ms = Date.parse(`${opts.start}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(opts.start) ||
    Number.isNaN(ms) ||
    new Date(ms).toISOString().slice(0, 10) !== opts.start
  ) {
    throw new InputError('start', `"${opts.start}" is not a calendar date (expected YYYY-MM-DD)`);
  }
  // Event times must fall in years 1970…9999 (docs/raw-records.md), planted late ones up to lateDays + 3 days early.
  const earliest = addDays('1970-01-01', (opts.lateDays ?? DEFAULTS.lateDays) + 4);
  if (daysBetween(earliest, opts.start) < 0)
    throw new InputError(
      'start',
      `${opts.start} is too early (expected ${earliest} or later: event times start in 1970)`,
    );
  if (daysBetween(addDays(opts.start, opts.days), '9999-12-25') < 0)
    throw new InputError('start', `${opts.start} with ${opts.days} days runs past year 9999`);
  if (opts.layout !== undefined && opts.layout !== 'firehose' && opts.layout !== 'hive') {
    throw new InputError('layout', `"${opts.layout}" is not a raw layout (expected firehose or hive)`);
  }
  if (!opts.lakeDir) throw new InputError('lakeDir', 'is empty (expected a folder path)');
  if (opts.datasets !== undefined) {
    const unknown = opts.datasets.filter((d) => !SAMPLE_DATASETS.includes(d));
    if (unknown.length || opts.datasets.length === 0) {
      throw new InputError(
        'datasets',
        `${JSON.stringify(opts.datasets)} is not a non-empty list of ${SAMPLE_DATASETS.join(', ')}`,
      );
    }
  }
}
