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
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { DEFAULTS } from '../../../src/config/config';
import { InputError } from '../../../src/core/errors';
import { addDays, daysBetween, MS_PER_DAY as DAY_MS } from '../../../src/core/days';
import type { Day } from '../../../src/core/types';
import { sessionId, Vocabulary } from './accessRecord';
import { DownloadGenerator, type DownloadsExpected } from './downloads';
import { NodeBook, type NodeEvents } from './nodes';
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

const gzipAsync = promisify(gzip);
const HOUR_MS = 3_600_000;

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

/** How many of each special case were written (planted on purpose or drawn at the configured rates). */
export interface PlantedCounts {
  /** `{…` cut after a comma, followed by a newline → invalid_json */
  truncatedJson: number;
  /** a non-JSON or non-object line (HTML error page, `null`, an array…) → invalid_json */
  garbageLines: number;
  /** sessionId absent or null → missing_field */
  missingSessionId: number;
  /** a declared field of the wrong JSON type (`userId: "abc"`, `timestamp` as a string…) → bad_type */
  badType: number;
  /** event day more than lateDays from the arrival day → late */
  lateBeyondAllowance: number;
  /** records planted with an event on the previous day (23:5x arriving after midnight, backlog) */
  lateWithinAllowance: number;
  /** extra copies written of a record (same text; same hour, another hour, or the next day) */
  duplicateCopies: number;
}

/** What the pipeline must produce from the generated lake (lateDays as given; all raw days processed). */
export interface SampleExpected {
  lateDays: number;
  /** rows in processed/<table>/ per event day (after dedup); keys ascending */
  outputRowsByEventDay: Record<Day, number>;
  /** valid, in-allowance records per event day before dedup (DayResult.recordsIn) */
  recordsInByEventDay: Record<Day, number>;
  /** copies dropped per event day (DayResult.duplicatesDropped) */
  duplicatesByEventDay: Record<Day, number>;
  outputRows: number;
  duplicatesDropped: number;
  /** all quarantined records */
  rejected: number;
  /** reason → count; only reasons that occur (invalid_json, missing_field, bad_type, late) */
  rejectedByReason: Record<string, number>;
  /** quarantined records per arrival day (DayResult.rejected of that day) */
  rejectedByArrivalDay: Record<Day, number>;
  /** of those, `late` ones per arrival day (DayResult.late) */
  lateByArrivalDay: Record<Day, number>;
  /** record texts per arrival day, malformed ones included */
  recordsByArrivalDay: Record<Day, number>;
  /** accepted records whose event day is before their arrival day */
  acceptedFromEarlierEventDay: number;
  /** accepted records whose event day is before the first arrival day */
  beforeFirstRawDay: number;
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

/** Rates per ordinary record: about 1.4 % quarantined and 1 % duplicated, well under the 5 % threshold. */
const RATES = { invalidJson: 0.005, missing: 0.0025, badType: 0.0035, late: 0.003, duplicate: 0.01 };

const GARBAGE = [
  '<html><body><h1>502 Bad Gateway</h1></body></html>',
  'null',
  '[{"sessionId":"in-an-array"}]',
  '#!garbage ~~~ 0x1f8b 0x08',
  'timestamp=1709251200000 userId=42',
];

const dayNumOf = (ms: number) => Math.floor(ms / DAY_MS);
const dayOfNum = (n: number): Day => new Date(n * DAY_MS).toISOString().slice(0, 10);

/**
 * Tallies what the pipeline must output while records are written, by the rules of
 * docs/raw-records.md: malformed → rejected (by arrival day); |event day − arrival day| >
 * lateDays → rejected `late`; else counted in its event day; copies of one key collapse to one row.
 */
class Tally {
  readonly recordsByArrival = new Map<number, number>();
  readonly rejectedByArrival = new Map<number, number>();
  readonly lateByArrival = new Map<number, number>();
  readonly rejectedByReason = new Map<string, number>();
  readonly recordsIn = new Map<number, number>();
  readonly outputRows = new Map<number, number>();
  readonly duplicates = new Map<number, number>();
  acceptedFromEarlier = 0;
  beforeFirst = 0;

  constructor(
    private readonly lateDays: number,
    private readonly firstDayNum: number,
  ) {}

  accepted(eventDay: number, arrivalDay: number): boolean {
    return Math.abs(eventDay - arrivalDay) <= this.lateDays;
  }

  written(arrivalDay: number) {
    inc(this.recordsByArrival, arrivalDay);
  }

  reject(reason: string, arrivalDay: number) {
    inc(this.rejectedByReason, reason);
    inc(this.rejectedByArrival, arrivalDay);
    if (reason === 'late') inc(this.lateByArrival, arrivalDay);
  }

  /** A valid record text written in `arrivalDay`; `single`: no other copy of its key exists. */
  valid(eventMs: number, arrivalDay: number, single: boolean) {
    const eventDay = dayNumOf(eventMs);
    if (!this.accepted(eventDay, arrivalDay)) return this.reject('late', arrivalDay);
    inc(this.recordsIn, eventDay);
    if (single) inc(this.outputRows, eventDay);
    if (eventDay < arrivalDay) this.acceptedFromEarlier++;
    if (eventDay < this.firstDayNum) this.beforeFirst++;
  }

  /** A key written as several copies, arriving on `arrivalDays`: one row if any copy is accepted. */
  group(eventMs: number, arrivalDays: number[]) {
    const eventDay = dayNumOf(eventMs);
    const acceptedCopies = arrivalDays.filter((a) => this.accepted(eventDay, a)).length;
    if (acceptedCopies === 0) return;
    inc(this.outputRows, eventDay);
    if (acceptedCopies > 1) inc(this.duplicates, eventDay, acceptedCopies - 1);
  }
}

function inc<K>(m: Map<K, number>, k: K, by = 1) {
  m.set(k, (m.get(k) ?? 0) + by);
}

const sum = (m: Map<unknown, number>) => [...m.values()].reduce((a, b) => a + b, 0);
function byDay(m: Map<number, number>): Record<Day, number> {
  const out: Record<Day, number> = {};
  for (const k of [...m.keys()].sort((a, b) => a - b)) out[dayOfNum(k)] = m.get(k)!;
  return out;
}

/**
 * One file being filled, as UTF-8 bytes. Records are copied into the buffer as they are made:
 * holding millions of concatenated strings until a join costs more in GC than building them.
 */
class FileBuilder {
  private buf = Buffer.allocUnsafe(1 << 20);
  private len = 0;
  private prevIsolated = false;
  count = 0;
  /**
   * The last record is an unterminated object: the splitter (docs/raw-records.md, recovery rule)
   * ends it only at a line starting with `{`, so a following line of garbage would join it.
   */
  open = false;

  /**
   * @param timeMs the flush time (names the file; events precede it)
   * @param mode 0 newline-delimited, 1 back to back (`}{`), 2 mixed per record
   */
  constructor(
    readonly timeMs: number,
    private readonly mode: number,
    private readonly rng: Rng,
  ) {}

  /** @param isolated malformed text: it gets a newline before and after, so the scan of raw-records.md ends it there */
  append(text: string, isolated = false): void {
    if (
      this.count > 0 &&
      (this.mode === 0 || isolated || this.prevIsolated || (this.mode === 2 && this.rng.float() < 0.5))
    )
      this.raw('\n');
    this.raw(text);
    this.prevIsolated = isolated;
    this.open = false;
    this.count++;
  }

  /** The file's bytes (a trailing newline for newline-delimited files, as Firehose's delimiter leaves). */
  finish(): Buffer {
    if (this.mode === 0 || this.prevIsolated) this.raw('\n');
    return this.buf.subarray(0, this.len);
  }

  private raw(text: string) {
    const need = this.len + text.length * 3; // UTF-8 worst case
    if (need > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    this.len += this.buf.write(text, this.len, 'utf8');
  }
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
  const planted: PlantedCounts = {
    truncatedJson: 0,
    garbageLines: 0,
    missingSessionId: 0,
    badType: 0,
    lateBeyondAllowance: 0,
    lateWithinAllowance: 0,
    duplicateCopies: 0,
  };
  /** copies waiting for their arrival hour: hour index → texts with their event time */
  const pending = new Map<number, { text: string; eventMs: number }[]>();
  const dates = new Map<number, string>();
  const dateOf = (ms: number) => {
    const n = dayNumOf(ms);
    let d = dates.get(n);
    if (d === undefined) dates.set(n, (d = dayOfNum(n)));
    return d;
  };
  let serial = 0;
  const newRecord = (eventMs: number, session: 'ok' | 'absent' | 'null' = 'ok') =>
    vocab.record(
      session === 'ok' ? `"sessionId":"${sessionId(rng, serial++)}"` : session === 'null' ? '"sessionId":null' : '',
      eventMs,
      dateOf(eventMs),
    );

  const writer = new Writer(lakeDir);
  let files = 0;
  let recordsWritten = 0;

  for (let h = 0; h < totalHours; h++) {
    const hourStart = startMs + h * HOUR_MS;
    const arrival = firstDayNum + Math.floor(h / 24);
    const hourOfDay = h % 24;
    const dayIndex = Math.floor(h / 24);
    const nFiles = 2 + rng.int(3);
    const open: FileBuilder[] = [];
    for (let k = 0; k < nFiles; k++) {
      const r = rng.float();
      open.push(
        new FileBuilder(
          hourStart + Math.floor(((k + 1) * HOUR_MS) / nFiles) - rng.int(30_000),
          r < 0.4 ? 0 : r < 0.7 ? 1 : 2,
          rng,
        ),
      );
    }
    // Firehose buffers: a file holds the events since the previous flush, plus a minute of spill,
    // so hour 0 naturally carries events of 23:59 the day before (late within the allowance).
    const spanMs = Math.floor(HOUR_MS / nFiles) + 60_000;
    const put = (file: FileBuilder, text: string, isolated = false) => {
      file.append(text, isolated);
      tally.written(arrival);
    };
    const anyFile = () => open[rng.int(nFiles)];

    const emitTruncated = (file: FileBuilder) => {
      const full = newRecord(file.timeMs - rng.int(spanMs));
      let cut = 0;
      for (let i = 0, n = 3 + rng.int(6); i < n; i++) cut = full.indexOf(',"', cut + 1);
      put(file, full.slice(0, cut + 1), true); // ends right after a comma, outside any string
      file.open = true;
      tally.reject('invalid_json', arrival);
      planted.truncatedJson++;
    };
    const emitGarbage = (file: FileBuilder) => {
      if (file.open) return emitTruncated(file); // a garbage line would join the open record: one reject, not two
      put(file, rng.pick(GARBAGE), true);
      tally.reject('invalid_json', arrival);
      planted.garbageLines++;
    };
    const emitMissing = (file: FileBuilder, how: 'absent' | 'null') => {
      put(file, newRecord(file.timeMs - rng.int(spanMs), how));
      tally.reject('missing_field', arrival);
      planted.missingSessionId++;
    };
    const emitBadType = (file: FileBuilder, variant: number) => {
      const text = newRecord(file.timeMs - rng.int(spanMs));
      const bad = [
        // (a string of digits would be read: bigint casts are lenient, docs/raw-records.md)
        () => text.replace(/"userId":\d+/, '"userId":"abc"'),
        () => text.replace(/"timestamp":(\d+),"returnObjectId"/, '"timestamp":"$1 ms","returnObjectId"'), // the payload's
        () => text.replace(/"success":(true|false)/, '"success":"yes"'),
        () => text.replace(/"responseStatus":(\d+)/, '"responseStatus":"$1.0"'),
        () => text.replace(/"elapseMS":(\d+)/, '"elapseMS":$1.5'),
      ][variant % 5]();
      put(file, bad);
      tally.reject('bad_type', arrival);
      planted.badType++;
    };
    /** After a valid record is made: the download its request implies, when the pipeline accepts the record. */
    const download = (eventMs: number) => {
      if (vocab.lastDownload && tally.accepted(dayNumOf(eventMs), arrival))
        downloads.fromAccess(vocab.lastDownload, vocab.lastUserId, vocab.lastInstance, eventMs, h);
    };
    const emitValid = (file: FileBuilder, eventMs: number) => {
      put(file, newRecord(eventMs));
      download(eventMs);
      tally.valid(eventMs, arrival, true);
    };
    /** An original plus copies in later (or the same) hours; copies past the last hour are not written. */
    const emitDuplicated = (file: FileBuilder, eventMs: number, targets: number[]) => {
      const text = newRecord(eventMs);
      download(eventMs); // once: the copies are the same request
      const kept = targets.filter((t) => t >= h && t < totalHours);
      tally.group(eventMs, [arrival, ...kept.map((t) => firstDayNum + Math.floor(t / 24))]);
      put(file, text);
      tally.valid(eventMs, arrival, false);
      for (const t of kept) {
        let list = pending.get(t);
        if (!list) pending.set(t, (list = []));
        list.push({ text, eventMs });
      }
    };
    const lateBeyond = (file: FileBuilder, direction: -1 | 1) => {
      const eventMs = file.timeMs + direction * (lateDays + 1 + rng.int(3)) * DAY_MS - rng.int(HOUR_MS);
      put(file, newRecord(eventMs));
      tally.valid(eventMs, arrival, true); // tallies it as `late`
      planted.lateBeyondAllowance++;
    };

    // Ordinary records, with the rate-drawn special cases.
    for (let i = 0; i < recordsPerHour; i++) {
      const file = open[Math.floor((i * nFiles) / recordsPerHour)];
      const eventMs = file.timeMs - rng.int(spanMs);
      let r = rng.float();
      if ((r -= RATES.invalidJson) < 0) rng.float() < 0.5 ? emitTruncated(file) : emitGarbage(file);
      else if ((r -= RATES.missing) < 0) emitMissing(file, rng.float() < 0.7 ? 'absent' : 'null');
      else if ((r -= RATES.badType) < 0) emitBadType(file, rng.int(5));
      else if ((r -= RATES.late) < 0) lateBeyond(file, -1);
      else if ((r -= RATES.duplicate) < 0) {
        const where = rng.float();
        const target = where < 0.4 ? h : where < 0.75 ? h + 1 + rng.int(3) : (dayIndex + 1) * 24 + rng.int(6);
        emitDuplicated(file, eventMs, rng.float() < 0.9 ? [target] : [target, h + 1]);
      } else emitValid(file, eventMs);
    }

    // Planted cases: a fixed few each day, so even a tiny sample has every kind.
    const dayStart = startMs + dayIndex * DAY_MS;
    switch (hourOfDay) {
      case 0: // 23:5x events arriving just after midnight
        for (let i = 0; i < 2; i++) {
          emitValid(anyFile(), dayStart - 1 - rng.int(600_000));
          planted.lateWithinAllowance++;
        }
        break;
      case 1: // on the first day: events from before the first raw day
        if (dayIndex === 0) {
          for (let i = 0; i < 2; i++) {
            emitValid(anyFile(), dayStart - 1 - rng.int(3 * HOUR_MS));
            planted.lateWithinAllowance++;
          }
        }
        break;
      case 2:
        emitTruncated(anyFile());
        break;
      case 3: // copy in another hour of the same day
        emitDuplicated(anyFile(), hourStart + rng.int(HOUR_MS / 2), [h + 4]);
        break;
      case 5: // a backlog: event many hours earlier, on the previous day
        emitValid(anyFile(), dayStart - (4 + rng.int(12)) * HOUR_MS);
        planted.lateWithinAllowance++;
        break;
      case 6: // copy in the same hour, another file
        emitDuplicated(anyFile(), hourStart + rng.int(HOUR_MS / 2), [h]);
        break;
      case 9:
        emitGarbage(anyFile());
        break;
      case 11:
        emitMissing(anyFile(), 'absent');
        break;
      case 12:
        emitMissing(anyFile(), 'null');
        break;
      case 13:
        emitBadType(anyFile(), 0); // userId: "abc"
        break;
      case 14:
        emitBadType(anyFile(), 1 + (dayIndex % 4));
        break;
      case 15:
        lateBeyond(anyFile(), -1);
        break;
      case 16: // on the first day: a skewed clock, event after the allowance
        if (dayIndex === 0) lateBeyond(anyFile(), 1);
        break;
      case 22: // copy on the next arrival day (dropped on the last day)
        emitDuplicated(anyFile(), hourStart + rng.int(HOUR_MS / 2), [h + 3]);
        break;
      default:
        break;
    }

    // Copies due this hour go to random files of it.
    for (const copy of pending.get(h) ?? []) {
      put(anyFile(), copy.text);
      tally.valid(copy.eventMs, arrival, false);
      planted.duplicateCopies++;
    }
    pending.delete(h);

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

  const expected: SampleExpected = {
    lateDays,
    outputRowsByEventDay: byDay(tally.outputRows),
    recordsInByEventDay: byDay(tally.recordsIn),
    duplicatesByEventDay: byDay(tally.duplicates),
    outputRows: sum(tally.outputRows),
    duplicatesDropped: sum(tally.duplicates),
    rejected: sum(tally.rejectedByReason),
    rejectedByReason: Object.fromEntries([...tally.rejectedByReason.entries()].sort()),
    rejectedByArrivalDay: byDay(tally.rejectedByArrival),
    lateByArrivalDay: byDay(tally.lateByArrival),
    recordsByArrivalDay: byDay(tally.recordsByArrival),
    acceptedFromEarlierEventDay: tally.acceptedFromEarlier,
    beforeFirstRawDay: tally.beforeFirst,
  };
  const summary: SampleSummary = {
    lakeDir,
    prefix,
    layout,
    firstDay: start,
    lastDay: dayOfNum(firstDayNum + days - 1),
    files,
    bytes,
    recordsWritten,
    planted,
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

type ByteBucket = 'access' | 'downloads' | 'snapshots';

/** Gzips and writes files in the background (zlib runs on the libuv pool), at most a few at once. */
class Writer {
  private readonly inflight: Promise<unknown>[] = [];
  /** folder → its mkdir, shared so concurrent writes into a new folder wait for the same one */
  private readonly dirs = new Map<string, Promise<unknown>>();
  private readonly bytes: Record<ByteBucket, number> = { access: 0, downloads: 0, snapshots: 0 };

  constructor(private readonly lakeDir: string) {}

  /** @param bucket whose byte count the compressed size adds to */
  async write(key: string, plain: Buffer, bucket: ByteBucket): Promise<void> {
    if (this.inflight.length >= 4) await this.inflight.shift()!;
    const p = this.writeNow(key, plain).then((n) => (this.bytes[bucket] += n));
    p.catch(() => undefined); // surfaced by the await in write()/close(); avoids an unhandled rejection meanwhile
    this.inflight.push(p);
  }

  private async writeNow(key: string, plain: Buffer): Promise<number> {
    const body = await gzipAsync(plain, { level: 1 }); // fast level: the bench writes gigabytes
    const path = join(this.lakeDir, ...key.split('/'));
    const dir = dirname(path);
    let made = this.dirs.get(dir);
    if (!made) this.dirs.set(dir, (made = mkdir(dir, { recursive: true })));
    await made;
    await writeFile(path, body);
    return body.length;
  }

  /** @returns bytes written per bucket */
  async close(): Promise<Record<ByteBucket, number>> {
    await Promise.all(this.inflight.splice(0));
    return this.bytes;
  }
}

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
