import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadConfig } from '../../../src/config/config';
import { InputError } from '../../../src/core/errors';
import {
  generateSample,
  rawFileKey,
  writeRawFile,
  type SampleSummary,
} from '../../../examples/synapse/sample/generate';

// An independent, deliberately plain reading of a raw lake by the rules of docs/raw-records.md,
// to check the counts the generator claims. It shares no code with the generator.

const columns = loadConfig().datasets.access_records.columns;
const DAY_MS = 86_400_000;

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out.sort();
}

function arrivalDayOf(key: string): string {
  const firehose = /\/(\d{4})\/(\d{2})\/(\d{2})\/\d{2}\/[^/]+$/.exec(key);
  const hive = /\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/[^/]+$/.exec(key);
  const m = firehose ?? hive;
  if (!m) throw new Error(`not a raw key: ${key}`);
  return `${m[1]}-${m[2]}-${m[3]}`;
}

/** Rule 3 of raw-records.md, literally. */
function splitRecords(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const from = i;
    if (c === '{') {
      let depth = 0;
      let inString = false;
      let escaped = false;
      for (; i < text.length; i++) {
        const ch = text[i];
        if (inString) {
          if (escaped) escaped = false;
          else if (ch === '\\') escaped = true;
          else if (ch === '"') inString = false;
          continue;
        }
        if (ch === '\n') break;
        if (ch === '"') inString = true;
        else if (ch === '{') depth++;
        else if (ch === '}' && --depth === 0) {
          i++;
          break;
        }
      }
    } else {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    }
    out.push(text.slice(from, i));
  }
  return out;
}

/** The casts of docs/raw-records.md, on JSON.parse's values (lenient: strings of digits are bigints, and so on). */
function typeOk(type: string, v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (type === 'string') return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  if (type === 'bigint') {
    if (typeof v === 'string') return /^\s*[+-]?\d+\s*$/.test(v) && Math.abs(Number(v)) < 2 ** 63;
    return typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 63;
  }
  if (type === 'double')
    return typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));
  return typeof v === 'boolean' || (typeof v === 'string' && /^(true|false)$/i.test(v));
}

/** The AccessRecord of an envelope (`{stack, instance, timestamp, payload}`); a record without one has no fields. */
const payloadOf = (envelope: Record<string, unknown>) =>
  (typeof envelope.payload === 'object' && envelope.payload !== null && !Array.isArray(envelope.payload)
    ? envelope.payload
    : {}) as Record<string, unknown>;

type Reason = 'invalid_json' | 'missing_field' | 'bad_type' | 'late';

interface Reread {
  texts: { arrival: string; text: string; file: string; index: number; reason?: Reason; eventDay?: string }[];
  byFile: Map<string, string>;
}

function reread(lake: string): Reread {
  const texts: Reread['texts'] = [];
  const byFile = new Map<string, string>();
  for (const path of filesUnder(join(lake, 'raw/access_records'))) {
    const key = relative(lake, path).split('\\').join('/');
    const buf = readFileSync(path);
    const text = (buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf).toString('utf8');
    byFile.set(key, text);
    const arrival = arrivalDayOf(key);
    splitRecords(text).forEach((t, index) => {
      let reason: Reason | undefined;
      let eventDay: string | undefined;
      let obj: unknown;
      try {
        obj = JSON.parse(t);
      } catch {
        obj = undefined;
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) reason = 'invalid_json';
      else {
        const rec = payloadOf(obj as Record<string, unknown>);
        if (rec.sessionId == null || rec.timestamp == null) reason = 'missing_field';
        else if (Object.entries(columns).some(([f, c]) => !typeOk(c.type, rec[f]))) reason = 'bad_type';
        else if (Number(rec.timestamp) < 0 || Number(rec.timestamp) >= Date.UTC(10000, 0, 1)) reason = 'bad_type';
        else {
          eventDay = new Date(Number(rec.timestamp)).toISOString().slice(0, 10);
          if (Math.abs(Date.parse(eventDay) - Date.parse(arrival)) / DAY_MS > 1) reason = 'late';
        }
      }
      texts.push({ arrival, text: t, file: key, index, reason, eventDay });
    });
  }
  return { texts, byFile };
}

function countsOf(r: Reread) {
  const add = (m: Record<string, number>, k: string, by = 1) => (m[k] = (m[k] ?? 0) + by);
  const rejectedByReason: Record<string, number> = {};
  const rejectedByArrivalDay: Record<string, number> = {};
  const lateByArrivalDay: Record<string, number> = {};
  const recordsByArrivalDay: Record<string, number> = {};
  const recordsInByEventDay: Record<string, number> = {};
  const keys = new Map<string, Set<string>>();
  for (const t of r.texts) {
    add(recordsByArrivalDay, t.arrival);
    if (t.reason) {
      add(rejectedByReason, t.reason);
      add(rejectedByArrivalDay, t.arrival);
      if (t.reason === 'late') add(lateByArrivalDay, t.arrival);
      continue;
    }
    const rec = payloadOf(JSON.parse(t.text));
    add(recordsInByEventDay, t.eventDay!);
    if (!keys.has(t.eventDay!)) keys.set(t.eventDay!, new Set());
    keys
      .get(t.eventDay!)!
      .add(JSON.stringify([String(rec.sessionId), Number(rec.timestamp), rec.method ?? null, rec.requestURL ?? null]));
  }
  const outputRowsByEventDay: Record<string, number> = {};
  const duplicatesByEventDay: Record<string, number> = {};
  for (const day of [...keys.keys()].sort()) {
    outputRowsByEventDay[day] = keys.get(day)!.size;
    const dups = recordsInByEventDay[day] - keys.get(day)!.size;
    if (dups > 0) duplicatesByEventDay[day] = dups;
  }
  const sorted = (m: Record<string, number>) =>
    Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    outputRowsByEventDay,
    duplicatesByEventDay,
    recordsInByEventDay: sorted(recordsInByEventDay),
    rejectedByReason: sorted(rejectedByReason),
    rejectedByArrivalDay: sorted(rejectedByArrivalDay),
    lateByArrivalDay: sorted(lateByArrivalDay),
    recordsByArrivalDay: sorted(recordsByArrivalDay),
  };
}

const tmp: string[] = [];
const newLake = () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakestep-sample-'));
  tmp.push(dir);
  return dir;
};
afterAll(() =>
  tmp.forEach((d) => {
    rmSync(d, { recursive: true, force: true });
  }),
);

const digest = (lake: string) =>
  filesUnder(lake).map((p) => `${relative(lake, p)} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);

describe('generateSample', () => {
  const base = { days: 3, start: '2024-03-01', recordsPerHour: 40, seed: 42 };
  let lake: string;
  let summary: SampleSummary;
  let raw: Reread;

  beforeAll(async () => {
    lake = newLake();
    summary = await generateSample({ ...base, lakeDir: lake });
    raw = reread(lake);
  });

  it('writes byte-identical lakes for the same seed, and different ones for another seed', async () => {
    const again = newLake();
    const other = newLake();

    const summaryAgain = await generateSample({ ...base, lakeDir: again });
    await generateSample({ ...base, seed: 43, lakeDir: other });

    expect(digest(again)).toEqual(digest(lake));
    expect({ ...summaryAgain, lakeDir: lake }).toEqual(summary);
    expect(digest(other)).not.toEqual(digest(lake));
  });

  it('lays files out by arrival hour, Firehose style, several gzip files an hour', () => {
    const keys = [...raw.byFile.keys()];

    for (const key of keys) {
      const m =
        /^raw\/access_records\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/lakestep-access-records-1-(\d{4})-(\d{2})-(\d{2})-(\d{2})-\d{2}-\d{2}-[0-9a-f-]{36}\.gz$/.exec(
          key,
        );
      expect(m).not.toBeNull();
      expect(m!.slice(1, 5)).toEqual(m!.slice(5, 9)); // the file name's time is in its folder's hour
    }
    expect(new Set(keys.map((k) => k.split('/').slice(2, 6).join('/'))).size).toBe(3 * 24);
    expect(keys.length).toBeGreaterThanOrEqual(2 * 3 * 24);
    expect(summary.files).toBe(keys.length);
    expect(summary.bytes).toBe(filesUnder(join(lake, 'raw/access_records')).reduce((n, p) => n + statSync(p).size, 0));
    expect(summary.recordsWritten).toBe(raw.texts.length);
  });

  it('writes Hive-style day folders with layout hive, and the same counts', async () => {
    const hive = newLake();

    const s = await generateSample({ ...base, lakeDir: hive, layout: 'hive' });

    const keys = [...reread(hive).byFile.keys()];
    expect(
      keys.every((k) =>
        /^raw\/access_records\/year=2024\/month=03\/day=0[123]\/lakestep-access-records-1-2024-03-0[123]-\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}\.gz$/.test(
          k,
        ),
      ),
    ).toBe(true);
    expect(s.expected).toEqual(summary.expected);
    expect(countsOf(reread(hive))).toEqual(countsOf(raw));
  });

  it('claims exactly the counts a plain re-read of its files gives', () => {
    const c = countsOf(raw);
    const e = summary.expected;

    expect(e.outputRowsByEventDay).toEqual(c.outputRowsByEventDay);
    expect(e.recordsInByEventDay).toEqual(c.recordsInByEventDay);
    expect(e.duplicatesByEventDay).toEqual(c.duplicatesByEventDay);
    expect(e.rejectedByReason).toEqual(c.rejectedByReason);
    expect(e.rejectedByArrivalDay).toEqual(c.rejectedByArrivalDay);
    expect(e.lateByArrivalDay).toEqual(c.lateByArrivalDay);
    expect(e.recordsByArrivalDay).toEqual(c.recordsByArrivalDay);
    expect(e.outputRows).toBe(Object.values(c.outputRowsByEventDay).reduce((a, b) => a + b, 0));
    expect(e.duplicatesDropped).toBe(Object.values(c.duplicatesByEventDay).reduce((a, b) => a + b, 0));
    expect(e.rejected).toBe(Object.values(c.rejectedByReason).reduce((a, b) => a + b, 0));
  });

  it('claims the re-read counts on a larger sample too, where the rate-drawn cases dominate', async () => {
    const big = newLake();

    const s = await generateSample({
      days: 2,
      start: '2023-12-31',
      recordsPerHour: 400,
      seed: 7,
      lakeDir: big,
      layout: 'hive',
    });

    const c = countsOf(reread(big));
    for (const field of [
      'outputRowsByEventDay',
      'recordsInByEventDay',
      'duplicatesByEventDay',
      'rejectedByReason',
      'rejectedByArrivalDay',
      'lateByArrivalDay',
    ] as const) {
      expect([field, s.expected[field]]).toEqual([field, c[field]]);
    }
    expect(s.expected.duplicatesDropped).toBeGreaterThan(50);
  });

  it('plants every kind of case: malformed, missing, bad types, late either side of the allowance, duplicates', () => {
    const texts = raw.texts;
    const reasons = new Set(texts.map((t) => t.reason));

    expect([...reasons].sort()).toEqual(['bad_type', 'invalid_json', 'late', 'missing_field', undefined]);
    expect(texts.some((t) => t.reason === 'invalid_json' && t.text.startsWith('{') && t.text.endsWith(','))).toBe(true); // truncated object
    expect(texts.some((t) => t.reason === 'invalid_json' && !t.text.startsWith('{'))).toBe(true); // garbage line
    expect(texts.some((t) => t.reason === 'missing_field' && !t.text.includes('"sessionId"'))).toBe(true);
    expect(texts.some((t) => t.reason === 'missing_field' && t.text.includes('"sessionId":null'))).toBe(true);
    expect(texts.some((t) => t.reason === 'bad_type' && t.text.includes('"userId":"abc"'))).toBe(true);
    // late within the allowance: an event on the day before arrival, incl. before the first raw day
    expect(texts.some((t) => !t.reason && t.eventDay! < t.arrival && t.arrival > '2024-03-01')).toBe(true);
    expect(texts.filter((t) => !t.reason && t.eventDay === '2024-02-29').length).toBe(
      summary.expected.beforeFirstRawDay,
    );
    expect(summary.expected.beforeFirstRawDay).toBeGreaterThanOrEqual(4);
    expect(summary.expected.outputRowsByEventDay['2024-02-29']).toBeGreaterThan(0);
    // late beyond: event two or more days before arrival, and one after
    const late = texts.filter((t) => t.reason === 'late');
    expect(
      late.some(
        (t) =>
          Date.parse(t.arrival) -
            Date.parse(new Date(payloadOf(JSON.parse(t.text)).timestamp as number).toISOString().slice(0, 10)) >=
          2 * DAY_MS,
      ),
    ).toBe(true);
    expect(
      late.some((t) => (payloadOf(JSON.parse(t.text)).timestamp as number) > Date.parse(t.arrival) + 2 * DAY_MS),
    ).toBe(true);
    // duplicates: same text in another hour of the same day, and on the next arrival day
    const where = new Map<string, { arrival: string; hour: string }[]>();
    for (const t of texts.filter((x) => !x.reason)) {
      const list = where.get(t.text) ?? [];
      list.push({ arrival: t.arrival, hour: t.file.split('/').slice(2, 6).join('/') });
      where.set(t.text, list);
    }
    const copies = [...where.values()].filter((l) => l.length > 1);
    expect(copies.some((l) => l[0].arrival === l[1].arrival && l[0].hour !== l[1].hour)).toBe(true);
    expect(copies.some((l) => l[0].arrival !== l[1].arrival)).toBe(true);
    expect(copies.some((l) => l[0].hour === l[1].hour)).toBe(true);
    expect(summary.planted.duplicateCopies).toBe(copies.reduce((n, l) => n + l.length - 1, 0));
  });

  it('mixes newline-delimited and back-to-back objects, also within one file', () => {
    const texts = [...raw.byFile.values()];

    expect(texts.some((t) => t.includes('}{') && !/}\n{/.test(t))).toBe(true);
    expect(texts.some((t) => /}\n{/.test(t) && !t.includes('}{'))).toBe(true);
    expect(texts.some((t) => t.includes('}{') && /}\n{/.test(t))).toBe(true);
  });

  it('stays well under the 5 % reject threshold on every arrival day', () => {
    const e = summary.expected;

    for (const [day, n] of Object.entries(e.recordsByArrivalDay)) {
      expect(e.rejectedByArrivalDay[day] / n).toBeLessThan(0.05);
    }
    expect(e.duplicatesDropped).toBeGreaterThan(0);
  });

  it('writes realistic Synapse records: clients, URLs, methods, instance and stack', () => {
    const envelopes = raw.texts.filter((t) => !t.reason).map((t) => JSON.parse(t.text));
    // Synapse's envelope: the time the record was sent (after the call), the AccessRecord as its payload
    expect(
      envelopes.every(
        (e) => e.stack === 'prod' && /^0{6}\d{3}$/.test(e.instance) && e.timestamp >= e.payload.timestamp,
      ),
    ).toBe(true);
    const recs = envelopes.map((e) => e.payload);
    const agents = new Set(recs.map((r) => r.userAgent));
    const urls = recs.map((r) => r.requestURL as string);

    for (const token of [
      'Synapse-Web-Client/',
      'Chrome/',
      'Firefox/',
      'Safari/',
      'synapseclient/2.7.2 python-requests',
      'synapsecommandlineclient synapseclient/',
      'synapser/',
      'Synapse-Java-Client/',
      'ELB-HealthChecker/2.0',
      'SynapseRepositoryStack/',
    ]) {
      expect([...agents].some((a) => typeof a === 'string' && a.includes(token))).toBe(true);
    }
    expect(agents.has('')).toBe(true);
    expect(recs.some((r) => !('userAgent' in r))).toBe(true);
    expect(urls.some((u) => /^\/repo\/v1\/entity\/syn\d+\/version\/\d+$/.test(u))).toBe(true);
    expect(urls.some((u) => u.startsWith('/auth/v1/'))).toBe(true);
    expect(urls.some((u) => u.startsWith('/file/v1/'))).toBe(true);
    expect(urls.some((u) => /%[0-9A-F]{2}/.test(u))).toBe(true);
    expect(new Set(recs.map((r) => r.method))).toEqual(new Set(['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS']));
    expect(
      recs.every((r) => r.stack === 'prod' && /^0{6}\d{3}$/.test(r.instance) && Number.isInteger(r.timestamp)),
    ).toBe(true);
  });

  it('rejects a start that is not a calendar date', async () => {
    await expect(generateSample({ ...base, start: '2024-02-30', lakeDir: newLake() })).rejects.toThrow(InputError);
    await expect(generateSample({ ...base, days: 0, lakeDir: newLake() })).rejects.toThrow(/days: 0 is not an integer/);
  });

  it('rejects a start whose events would fall outside years 1970…9999 (they could only be rejects)', async () => {
    await expect(generateSample({ ...base, start: '1969-12-31', lakeDir: newLake() })).rejects.toThrow(
      'start: 1969-12-31 is too early (expected 1970-01-06 or later',
    );
    await expect(generateSample({ ...base, start: '1970-01-05', lateDays: 1, lakeDir: newLake() })).rejects.toThrow(
      InputError,
    );
    await expect(generateSample({ ...base, start: '9999-12-20', days: 10, lakeDir: newLake() })).rejects.toThrow(
      'runs past year 9999',
    );
  });
});

describe('writeRawFile', () => {
  const recs = [
    '{"sessionId":"a","timestamp":1}',
    '{"sessionId":"b","timestamp":2}',
    '{"sessionId":"c","timestamp":3}',
  ];

  it('writes gzip for .gz keys, joined by newlines or back to back', async () => {
    const lake = newLake();
    const key = rawFileKey('raw/access_records/', Date.UTC(2024, 2, 5, 10, 15, 30), 'x1');

    const { path, bytes } = await writeRawFile(lake, key, recs, { separator: 'none' });
    await writeRawFile(lake, 'raw/access_records/2024/03/05/10/plain.json', recs);

    expect(key).toBe('raw/access_records/2024/03/05/10/lakestep-access-records-1-2024-03-05-10-15-30-x1.gz');
    expect(gunzipSync(readFileSync(path)).toString()).toBe(recs.join(''));
    expect(statSync(path).size).toBe(bytes);
    expect(readFileSync(join(lake, 'raw/access_records/2024/03/05/10/plain.json'), 'utf8')).toBe(
      recs.join('\n') + '\n',
    );
  });

  it('mixes separators and cuts a gzip stream short on request', async () => {
    const lake = newLake();

    const mixed = await writeRawFile(lake, 'raw/m.json', recs, { separator: 'mixed' });
    const cut = await writeRawFile(lake, 'raw/cut.gz', recs, { truncateGzipFraction: 0.6 });

    expect(readFileSync(mixed.path, 'utf8')).toBe(`${recs[0]}\n${recs[1]}${recs[2]}`);
    expect(() => gunzipSync(readFileSync(cut.path))).toThrow(/unexpected end of file/);
  });
});
