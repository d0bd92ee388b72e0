/**
 * The hour emitter of `lakestep sample`: fills one arrival hour's raw access-record files at a time —
 * ordinary records with rate-drawn special cases, a fixed few planted cases a day, and the duplicate
 * copies due that hour — tallying each record (sampleTally.ts) and the downloads accepted ones imply.
 * ~300 lines: one class, as its emitters share the hour's state and one draw order (same seed, same bytes).
 */
import { MS_PER_DAY as DAY_MS } from '../../../src/core/days';
import type { Rng } from '../../../src/sample/rng';
import { sessionId, type Vocabulary } from './accessRecord';
import type { DownloadGenerator } from './downloads';
import { FileBuilder } from './fileBuilder';
import { dayNumOf, dayOfNum, type Tally } from './sampleTally';

export const HOUR_MS = 3_600_000;

/** Rates per ordinary record: about 1.4 % quarantined and 1 % duplicated, well under the 5 % threshold. */
const RATES = { invalidJson: 0.005, missing: 0.0025, badType: 0.0035, late: 0.003, duplicate: 0.01 };

const GARBAGE = [
  '<html><body><h1>502 Bad Gateway</h1></body></html>',
  'null',
  '[{"sessionId":"in-an-array"}]',
  '#!garbage ~~~ 0x1f8b 0x08',
  'timestamp=1709251200000 userId=42',
];

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

/** The sample's shape, as generateSample validated it. */
export interface AccessHoursShape {
  startMs: number;
  firstDayNum: number;
  totalHours: number;
  lateDays: number;
  recordsPerHour: number;
}

/**
 * Emits the access records of hours 0, 1, 2 … in order (an hour's copies of earlier records are
 * queued by earlier hours). Deterministic: draws from `rng` in a fixed order.
 * @example const files = emitter.hour(0); // 2–4 FileBuilders, flush times inside hour 0
 */
export class AccessHourEmitter {
  readonly planted: PlantedCounts = {
    truncatedJson: 0,
    garbageLines: 0,
    missingSessionId: 0,
    badType: 0,
    lateBeyondAllowance: 0,
    lateWithinAllowance: 0,
    duplicateCopies: 0,
  };
  /** copies waiting for their arrival hour: hour index → texts with their event time */
  private readonly pending = new Map<number, { text: string; eventMs: number }[]>();
  private readonly dates = new Map<number, string>();
  private serial = 0;
  /** the hour being emitted: its index, arrival day number, files and a file's span of event times */
  private h = 0;
  private arrival = 0;
  private open: FileBuilder[] = [];
  private spanMs = 0;

  constructor(
    private readonly rng: Rng,
    private readonly vocab: Vocabulary,
    private readonly tally: Tally,
    private readonly downloads: DownloadGenerator,
    private readonly shape: AccessHoursShape,
  ) {}

  /** Fills hour `h`'s files (some may stay empty) and returns them in flush order. */
  hour(h: number): FileBuilder[] {
    const { rng, shape } = this;
    const hourStart = shape.startMs + h * HOUR_MS;
    this.h = h;
    this.arrival = shape.firstDayNum + Math.floor(h / 24);
    const dayIndex = Math.floor(h / 24);
    const nFiles = 2 + rng.int(3);
    this.open = [];
    for (let k = 0; k < nFiles; k++) {
      const r = rng.float();
      this.open.push(
        new FileBuilder(
          hourStart + Math.floor(((k + 1) * HOUR_MS) / nFiles) - rng.int(30_000),
          r < 0.4 ? 0 : r < 0.7 ? 1 : 2,
          rng,
        ),
      );
    }
    // Firehose buffers: a file holds the events since the previous flush, plus a minute of spill,
    // so hour 0 naturally carries events of 23:59 the day before (late within the allowance).
    this.spanMs = Math.floor(HOUR_MS / nFiles) + 60_000;
    this.ordinaryRecords(dayIndex);
    this.plantedCases(h % 24, dayIndex, hourStart);
    // Copies due this hour go to random files of it.
    for (const copy of this.pending.get(h) ?? []) {
      this.put(this.anyFile(), copy.text);
      this.tally.valid(copy.eventMs, this.arrival, false);
      this.planted.duplicateCopies++;
    }
    this.pending.delete(h);
    return this.open;
  }

  /** Ordinary records, with the rate-drawn special cases. */
  private ordinaryRecords(dayIndex: number) {
    const { rng, open, h } = this;
    const { recordsPerHour } = this.shape;
    for (let i = 0; i < recordsPerHour; i++) {
      const file = open[Math.floor((i * open.length) / recordsPerHour)];
      const eventMs = file.timeMs - rng.int(this.spanMs);
      let r = rng.float();
      if ((r -= RATES.invalidJson) < 0) rng.float() < 0.5 ? this.emitTruncated(file) : this.emitGarbage(file);
      else if ((r -= RATES.missing) < 0) this.emitMissing(file, rng.float() < 0.7 ? 'absent' : 'null');
      else if ((r -= RATES.badType) < 0) this.emitBadType(file, rng.int(5));
      else if ((r -= RATES.late) < 0) this.lateBeyond(file, -1);
      else if ((r -= RATES.duplicate) < 0) {
        const where = rng.float();
        const target = where < 0.4 ? h : where < 0.75 ? h + 1 + rng.int(3) : (dayIndex + 1) * 24 + rng.int(6);
        this.emitDuplicated(file, eventMs, rng.float() < 0.9 ? [target] : [target, h + 1]);
      } else this.emitValid(file, eventMs);
    }
  }

  /** Planted cases: a fixed few each day, so even a tiny sample has every kind. */
  private plantedCases(hourOfDay: number, dayIndex: number, hourStart: number) {
    const { rng, h, planted } = this;
    const dayStart = this.shape.startMs + dayIndex * DAY_MS;
    switch (hourOfDay) {
      case 0: // 23:5x events arriving just after midnight
        for (let i = 0; i < 2; i++) {
          this.emitValid(this.anyFile(), dayStart - 1 - rng.int(600_000));
          planted.lateWithinAllowance++;
        }
        break;
      case 1: // on the first day: events from before the first raw day
        if (dayIndex === 0) {
          for (let i = 0; i < 2; i++) {
            this.emitValid(this.anyFile(), dayStart - 1 - rng.int(3 * HOUR_MS));
            planted.lateWithinAllowance++;
          }
        }
        break;
      case 2:
        this.emitTruncated(this.anyFile());
        break;
      case 3: // copy in another hour of the same day
        this.emitDuplicated(this.anyFile(), hourStart + rng.int(HOUR_MS / 2), [h + 4]);
        break;
      case 5: // a backlog: event many hours earlier, on the previous day
        this.emitValid(this.anyFile(), dayStart - (4 + rng.int(12)) * HOUR_MS);
        planted.lateWithinAllowance++;
        break;
      case 6: // copy in the same hour, another file
        this.emitDuplicated(this.anyFile(), hourStart + rng.int(HOUR_MS / 2), [h]);
        break;
      case 9:
        this.emitGarbage(this.anyFile());
        break;
      case 11:
        this.emitMissing(this.anyFile(), 'absent');
        break;
      case 12:
        this.emitMissing(this.anyFile(), 'null');
        break;
      case 13:
        this.emitBadType(this.anyFile(), 0); // userId: "abc"
        break;
      case 14:
        this.emitBadType(this.anyFile(), 1 + (dayIndex % 4));
        break;
      case 15:
        this.lateBeyond(this.anyFile(), -1);
        break;
      case 16: // on the first day: a skewed clock, event after the allowance
        if (dayIndex === 0) this.lateBeyond(this.anyFile(), 1);
        break;
      case 22: // copy on the next arrival day (dropped on the last day)
        this.emitDuplicated(this.anyFile(), hourStart + rng.int(HOUR_MS / 2), [h + 3]);
        break;
      default:
        break;
    }
  }

  private dateOf(ms: number): string {
    const n = dayNumOf(ms);
    let d = this.dates.get(n);
    if (d === undefined) this.dates.set(n, (d = dayOfNum(n)));
    return d;
  }

  private newRecord(eventMs: number, session: 'ok' | 'absent' | 'null' = 'ok'): string {
    return this.vocab.record(
      session === 'ok'
        ? `"sessionId":"${sessionId(this.rng, this.serial++)}"`
        : session === 'null'
          ? '"sessionId":null'
          : '',
      eventMs,
      this.dateOf(eventMs),
    );
  }

  private put(file: FileBuilder, text: string, isolated = false) {
    file.append(text, isolated);
    this.tally.written(this.arrival);
  }

  private anyFile(): FileBuilder {
    return this.open[this.rng.int(this.open.length)];
  }

  private emitTruncated(file: FileBuilder) {
    const { rng } = this;
    const full = this.newRecord(file.timeMs - rng.int(this.spanMs));
    let cut = 0;
    for (let i = 0, n = 3 + rng.int(6); i < n; i++) cut = full.indexOf(',"', cut + 1);
    this.put(file, full.slice(0, cut + 1), true); // ends right after a comma, outside any string
    file.open = true;
    this.tally.reject('invalid_json', this.arrival);
    this.planted.truncatedJson++;
  }

  private emitGarbage(file: FileBuilder) {
    if (file.open) return this.emitTruncated(file); // a garbage line would join the open record: one reject, not two
    this.put(file, this.rng.pick(GARBAGE), true);
    this.tally.reject('invalid_json', this.arrival);
    this.planted.garbageLines++;
  }

  private emitMissing(file: FileBuilder, how: 'absent' | 'null') {
    this.put(file, this.newRecord(file.timeMs - this.rng.int(this.spanMs), how));
    this.tally.reject('missing_field', this.arrival);
    this.planted.missingSessionId++;
  }

  private emitBadType(file: FileBuilder, variant: number) {
    const text = this.newRecord(file.timeMs - this.rng.int(this.spanMs));
    const bad = [
      // (a string of digits would be read: bigint casts are lenient, docs/raw-records.md)
      () => text.replace(/"userId":\d+/, '"userId":"abc"'),
      () => text.replace(/"timestamp":(\d+),"returnObjectId"/, '"timestamp":"$1 ms","returnObjectId"'), // the payload's
      () => text.replace(/"success":(true|false)/, '"success":"yes"'),
      () => text.replace(/"responseStatus":(\d+)/, '"responseStatus":"$1.0"'),
      () => text.replace(/"elapseMS":(\d+)/, '"elapseMS":$1.5'),
    ][variant % 5]();
    this.put(file, bad);
    this.tally.reject('bad_type', this.arrival);
    this.planted.badType++;
  }

  /** After a valid record is made: the download its request implies, when the pipeline accepts the record. */
  private download(eventMs: number) {
    const { vocab } = this;
    if (vocab.lastDownload && this.tally.accepted(dayNumOf(eventMs), this.arrival))
      this.downloads.fromAccess(vocab.lastDownload, vocab.lastUserId, vocab.lastInstance, eventMs, this.h);
  }

  private emitValid(file: FileBuilder, eventMs: number) {
    this.put(file, this.newRecord(eventMs));
    this.download(eventMs);
    this.tally.valid(eventMs, this.arrival, true);
  }

  /** An original plus copies in later (or the same) hours; copies past the last hour are not written. */
  private emitDuplicated(file: FileBuilder, eventMs: number, targets: number[]) {
    const { h } = this;
    const text = this.newRecord(eventMs);
    this.download(eventMs); // once: the copies are the same request
    const kept = targets.filter((t) => t >= h && t < this.shape.totalHours);
    this.tally.group(eventMs, [this.arrival, ...kept.map((t) => this.shape.firstDayNum + Math.floor(t / 24))]);
    this.put(file, text);
    this.tally.valid(eventMs, this.arrival, false);
    for (const t of kept) {
      let list = this.pending.get(t);
      if (!list) this.pending.set(t, (list = []));
      list.push({ text, eventMs });
    }
  }

  private lateBeyond(file: FileBuilder, direction: -1 | 1) {
    const { rng } = this;
    const eventMs = file.timeMs + direction * (this.shape.lateDays + 1 + rng.int(3)) * DAY_MS - rng.int(HOUR_MS);
    this.put(file, this.newRecord(eventMs));
    this.tally.valid(eventMs, this.arrival, true); // tallies it as `late`
    this.planted.lateBeyondAllowance++;
  }
}
