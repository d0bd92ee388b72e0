/**
 * File-download events (`raw/file_downloads/`) derived from the access records as they are
 * generated: an accepted access record whose request downloads a file gives a download event
 * with the same user, the same time (epoch ms) and the same object id, arriving in the same
 * Firehose hour. Plus a few copies (duplicates) and a few downloads of nodes before they exist
 * in any snapshot (unattributed). Draws only from its own Rng, so the access records never change.
 *
 * Record (compact JSON, as Sage's repository service writes them: a KinesisJsonEntityRecord envelope,
 * ids as strings, the association as a syn id; downloadedFileHandleId left out of every 7th node's):
 * `{"stack":"prod","instance":"000000524","timestamp":1709290000000,"payload":{"userId":3400123,"fileHandleId":"12345678","downloadedFileHandleId":"12345678","associateType":"FileEntity","associateId":"syn2345678"}}`
 */
import { MS_PER_DAY as DAY_MS } from '../../../src/core/days';
import type { Day } from '../../../src/core/types';
import type { DownloadHint } from './accessRecord';
import type { NodeBook } from './nodes';
import type { Rng } from '../../../src/sample/rng';

/** Association types by hint kind; only FileEntity and TableEntity reach processed file_downloads. */
const ASSOCIATE_TYPE: Record<DownloadHint['kind'], string> = {
  file: 'FileEntity',
  table: 'TableEntity',
  wiki: 'WikiAttachment',
  profile: 'UserProfileAttachment',
};
/** Share of candidate requests that download: a file URL always does; a table query result, wiki page or profile only sometimes. */
const DOWNLOAD_RATE: Record<DownloadHint['kind'], number> = { file: 1, table: 0.4, wiki: 0.1, profile: 0.05 };
const DUPLICATE_RATE = 0.02;
const UNATTRIBUTED_RATE = 0.003;
/** Planted per day on top of the rates, so even a tiny sample has a duplicate and an unattributed download. */
const PLANTED_PER_DAY = { duplicates: 1, unattributed: 2 };

/** What processed `file_downloads` must hold, given every raw download file and snapshot dump written. */
export interface DownloadsExpected {
  /** distinct FileEntity/TableEntity downloads per event day (rows after filter and dedup); keys ascending */
  downloadsByEventDay: Record<Day, number>;
  /** of those, downloads whose node has no snapshot row with TIMESTAMP ≤ the download time (null project_id); every day of downloadsByEventDay, 0 included */
  unattributedByEventDay: Record<Day, number>;
  /** extra copies of FileEntity/TableEntity downloads per event day (dropped by dedup); days with copies only */
  duplicatesByEventDay: Record<Day, number>;
  /** records of other association types per event day (filtered out by the stage), copies included; days with any only */
  filteredOutByEventDay: Record<Day, number>;
  /** record texts per arrival day (all types, copies included) */
  recordsByArrivalDay: Record<Day, number>;
  /** attributed downloads per event day and project id (as a decimal string) */
  byProjectAndDay: Record<Day, Record<string, number>>;
  downloads: number;
  unattributed: number;
  duplicatesDropped: number;
}

interface Event {
  eventMs: number;
  kind: DownloadHint['kind'];
  id: number;
  copies: number;
}

/** Collects one arrival hour's download records at a time; tallies the expected figures over all of them. */
export class DownloadGenerator {
  /** dedup key → event (the stage's key: timestamp, user, file handle, association) */
  private readonly events = new Map<string, Event>();
  private readonly recordsByArrival = new Map<number, number>();
  /** node ids downloaded so far: a node is made to appear late only at its first download */
  private readonly seen = new Set<number>();
  private readonly plantedOnDay = new Map<number, { duplicates: number; unattributed: number }>();
  /** hour index → record texts waiting for it */
  private readonly pending = new Map<number, string[]>();

  /**
   * @param startMs 00:00 UTC of the first arrival (and snapshot) day, epoch ms
   * @param firstDayNum that day as days since 1970-01-01
   * @param totalHours arrival hours written; a copy is never queued past the last
   */
  constructor(
    private readonly rng: Rng,
    private readonly book: NodeBook,
    private readonly startMs: number,
    private readonly firstDayNum: number,
    private readonly totalHours: number,
  ) {}

  /**
   * An accepted access record was written in arrival hour `hour` (0-based from the first day);
   * `hint` is what its request can download.
   */
  fromAccess(hint: DownloadHint, userId: number, instance: string, eventMs: number, hour: number): void {
    // Before the first dump, attribution would depend on how far back a stage reads snapshots: no downloads there.
    if (eventMs < this.startMs) return;
    const rng = this.rng;
    if (hint.kind !== 'file' && rng.float() >= DOWNLOAD_RATE[hint.kind]) return;
    const isNode = hint.kind === 'file' || hint.kind === 'table';
    const dayIndex = Math.floor(hour / 24);
    const planted = this.plantedOnDay.get(dayIndex) ?? { duplicates: 0, unattributed: 0 };
    this.plantedOnDay.set(dayIndex, planted);
    if (isNode) {
      this.book.downloaded(hint.id, hint.kind);
      const firstTime = !this.seen.has(hint.id);
      this.seen.add(hint.id);
      if (
        firstTime &&
        (planted.unattributed < PLANTED_PER_DAY.unattributed || rng.float() < UNATTRIBUTED_RATE) &&
        this.book.appearLater(hint.id, eventMs)
      )
        planted.unattributed++;
    }
    const fileHandleId = hint.fileHandleId ?? stableFileHandle(hint.id);
    const type = ASSOCIATE_TYPE[hint.kind];
    const key = `${eventMs},${userId},${fileHandleId},${type},${hint.id}`;
    const downloaded = hint.id % 7 === 0 ? '' : `,"downloadedFileHandleId":"${fileHandleId}"`;
    const payload = `{"userId":${userId},"fileHandleId":"${fileHandleId}"${downloaded},"associateType":"${type}","associateId":"syn${hint.id}"}`;
    const text = `{"stack":"prod","instance":"${instance}","timestamp":${eventMs},"payload":${payload}}`;
    const event = this.events.get(key);
    if (event) event.copies++;
    else this.events.set(key, { eventMs, kind: hint.kind, id: hint.id, copies: 1 });
    this.queue(hour, text);

    const plantDuplicate = isNode && planted.duplicates < PLANTED_PER_DAY.duplicates && hour % 24 >= 6;
    if (plantDuplicate || rng.float() < DUPLICATE_RATE) {
      if (plantDuplicate) planted.duplicates++;
      // the same hour, or the next one of the same arrival day (a copy on the next day could fall outside the lateness allowance)
      const target = rng.float() < 0.5 && (hour + 1) % 24 !== 0 && hour + 1 < this.totalHours ? hour + 1 : hour;
      this.events.get(key)!.copies++;
      this.queue(target, text);
    }
  }

  /**
   * The records due in `hour`, as one file's bytes: newline-delimited or back to back (`}{`), as
   * Firehose writes them; undefined when there are none. Copies queued for a later hour wait.
   */
  takeHour(hour: number): { body: Buffer; records: number } | undefined {
    const texts = this.pending.get(hour);
    this.pending.delete(hour);
    if (!texts?.length) return undefined;
    // shuffle lightly so a copy is not always next to its original
    for (let i = texts.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      [texts[i], texts[j]] = [texts[j], texts[i]];
    }
    const newline = this.rng.float() < 0.5;
    const arrival = this.firstDayNum + Math.floor(hour / 24);
    this.recordsByArrival.set(arrival, (this.recordsByArrival.get(arrival) ?? 0) + texts.length);
    return { body: Buffer.from(newline ? texts.join('\n') + '\n' : texts.join(''), 'utf8'), records: texts.length };
  }

  /** The expected figures; call after the last hour (the node book is final by then). */
  expected(): DownloadsExpected {
    const downloads = new Map<number, number>();
    const unattributed = new Map<number, number>();
    const duplicates = new Map<number, number>();
    const filtered = new Map<number, number>();
    const byProject = new Map<number, Map<number, number>>();
    for (const e of this.events.values()) {
      const day = Math.floor(e.eventMs / DAY_MS);
      if (e.kind !== 'file' && e.kind !== 'table') {
        inc(filtered, day, e.copies);
        continue;
      }
      inc(downloads, day);
      if (!unattributed.has(day)) unattributed.set(day, 0);
      if (e.copies > 1) inc(duplicates, day, e.copies - 1);
      const project = this.book.projectAt(e.id, e.eventMs);
      if (project === undefined) inc(unattributed, day);
      else {
        if (!byProject.has(day)) byProject.set(day, new Map());
        inc(byProject.get(day)!, project);
      }
    }
    const byProjectAndDay: Record<Day, Record<string, number>> = {};
    for (const day of [...byProject.keys()].sort((a, b) => a - b)) {
      const m = byProject.get(day)!;
      byProjectAndDay[dayOfNum(day)] = Object.fromEntries(
        [...m.keys()].sort((a, b) => a - b).map((p) => [String(p), m.get(p)!]),
      );
    }
    return {
      downloadsByEventDay: byDay(downloads),
      unattributedByEventDay: byDay(unattributed),
      duplicatesByEventDay: byDay(duplicates),
      filteredOutByEventDay: byDay(filtered),
      recordsByArrivalDay: byDay(this.recordsByArrival),
      byProjectAndDay,
      downloads: sum(downloads),
      unattributed: sum(unattributed),
      duplicatesDropped: sum(duplicates),
    };
  }

  private queue(hour: number, text: string) {
    let list = this.pending.get(hour);
    if (!list) this.pending.set(hour, (list = []));
    list.push(text);
  }
}

/** A node's current file handle when the URL names none: stable per node, in 10M…150M. */
export function stableFileHandle(nodeId: number): number {
  return 10_000_000 + ((Math.imul(nodeId, 0x9e3779b1) >>> 0) % 140_000_000);
}

function inc<K>(m: Map<K, number>, k: K, by = 1) {
  m.set(k, (m.get(k) ?? 0) + by);
}
const sum = (m: Map<unknown, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const dayOfNum = (n: number): Day => new Date(n * DAY_MS).toISOString().slice(0, 10);
function byDay(m: Map<number, number>): Record<Day, number> {
  const out: Record<Day, number> = {};
  for (const k of [...m.keys()].sort((a, b) => a - b)) out[dayOfNum(k)] = m.get(k)!;
  return out;
}
