/**
 * The datasets generateSample derives from the access records: file downloads (Firehose JSON)
 * and node snapshot dumps (Hive CSV). Every expected figure is re-derived here from the files
 * alone, plainly, sharing no code with the generator.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../../../src/core/errors';
import { generateSample, type SampleDataset, type SampleSummary } from '../../../examples/synapse/sample/generate';

const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out.sort();
}

const textOf = (path: string) => gunzipSync(readFileSync(path)).toString('utf8');

/** RFC 4180, literally: quoted fields may hold commas, doubled quotes and newlines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else field += c;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

interface SnapshotRow {
  day: string;
  id: number;
  project: number;
  timestamp: number;
  name: string;
}

function readSnapshots(lake: string): { keys: string[]; header: string[][]; rows: SnapshotRow[] } {
  const keys: string[] = [];
  const header: string[][] = [];
  const rows: SnapshotRow[] = [];
  for (const path of filesUnder(join(lake, 'raw/node_snapshots'))) {
    const key = relative(lake, path).split('\\').join('/');
    keys.push(key);
    const m = /year=(\d{4})\/month=(\d{2})\/day=(\d{2})\//.exec(key)!;
    const [head, ...data] = parseCsv(textOf(path));
    header.push(head);
    for (const r of data) {
      expect(r).toHaveLength(head.length);
      const at = (col: string) => r[head.indexOf(col)];
      rows.push({
        day: `${m[1]}-${m[2]}-${m[3]}`,
        id: Number(at('ID')),
        project: Number(at('PROJECT_ID')),
        timestamp: Number(at('TIMESTAMP')),
        name: at('NAME'),
      });
    }
  }
  return { keys, header, rows };
}

interface Download {
  key: string;
  arrival: string;
  timestamp: number;
  userId: number;
  fileHandleId: number;
  associateType: string;
  associateId: number;
}

/** Firehose JSON objects, newline-delimited or back to back (the generator writes only well-formed ones). */
const jsonObjects = (text: string) =>
  text
    .split('\n')
    .flatMap((line) => line.split(/(?<=\})(?=\{)/))
    .filter((t) => t.trim() !== '');

/** A download record as Synapse writes it (envelope: time, stack, instance; payload: ids as strings, associateId `syn<id>`), as the stage reads it. */
function fromEnvelope(e: {
  timestamp: number;
  stack: string;
  instance: string;
  payload: Record<string, unknown>;
}): Omit<Download, 'key' | 'arrival'> & { stack: string; instance: string } {
  const p = e.payload;
  return {
    timestamp: e.timestamp,
    userId: p.userId as number,
    fileHandleId: Number(p.fileHandleId),
    associateType: p.associateType as string,
    associateId: Number(String(p.associateId).replace(/^syn/, '')),
    stack: e.stack,
    instance: e.instance,
  };
}

function readDownloads(lake: string): Download[] {
  return filesUnder(join(lake, 'raw/file_downloads')).flatMap((path) => {
    const key = relative(lake, path).split('\\').join('/');
    const m = /raw\/file_downloads\/(\d{4})\/(\d{2})\/(\d{2})\/\d{2}\//.exec(key)!;
    return jsonObjects(textOf(path)).map((t) => ({
      key,
      arrival: `${m[1]}-${m[2]}-${m[3]}`,
      ...fromEnvelope(JSON.parse(t)),
    }));
  });
}

/** Every parseable access record, by `timestamp|userId` → request URLs (with query). */
function accessIndex(lake: string): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const path of filesUnder(join(lake, 'raw/access_records'))) {
    for (const t of jsonObjects(textOf(path))) {
      let r: { timestamp?: unknown; userId?: unknown; requestURL?: string; queryString?: string | null };
      try {
        r = JSON.parse(t);
      } catch {
        continue; // planted malformed records
      }
      if (typeof r !== 'object' || r === null) continue; // planted garbage such as `null`
      r = (r as { payload?: typeof r }).payload ?? r; // the AccessRecord is the envelope's payload
      const k = `${r.timestamp}|${r.userId}`;
      index.set(k, [...(index.get(k) ?? []), `${r.requestURL}?${r.queryString ?? ''}`]);
    }
  }
  return index;
}

const count = (m: Record<string, number>, k: string, by = 1) => (m[k] = (m[k] ?? 0) + by);
const sorted = <T>(m: Record<string, T>) => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));

/** The stage's rules, read off the files: FileEntity/TableEntity only, dedup on the key, project = latest snapshot row ≤ the time. */
function expectedFromFiles(downloads: Download[], snapshots: SnapshotRow[]) {
  const rowsOf = new Map<number, SnapshotRow[]>();
  for (const r of snapshots) rowsOf.set(r.id, [...(rowsOf.get(r.id) ?? []), r]);
  const perDay = new Map<string, Set<string>>();
  const recordsIn: Record<string, number> = {};
  const filteredOutByEventDay: Record<string, number> = {};
  const recordsByArrivalDay: Record<string, number> = {};
  for (const d of downloads) {
    count(recordsByArrivalDay, d.arrival);
    const day = dayOf(d.timestamp);
    if (d.associateType !== 'FileEntity' && d.associateType !== 'TableEntity') {
      count(filteredOutByEventDay, day);
      continue;
    }
    count(recordsIn, day);
    if (!perDay.has(day)) perDay.set(day, new Set());
    perDay.get(day)!.add(JSON.stringify([d.timestamp, d.userId, d.fileHandleId, d.associateType, d.associateId]));
  }
  const downloadsByEventDay: Record<string, number> = {};
  const unattributedByEventDay: Record<string, number> = {};
  const duplicatesByEventDay: Record<string, number> = {};
  const byProjectAndDay: Record<string, Record<string, number>> = {};
  for (const day of [...perDay.keys()].sort()) {
    const keys = perDay.get(day)!;
    downloadsByEventDay[day] = keys.size;
    unattributedByEventDay[day] = 0;
    if (recordsIn[day] > keys.size) duplicatesByEventDay[day] = recordsIn[day] - keys.size;
    for (const k of keys) {
      const [timestamp, , , , id] = JSON.parse(k) as number[];
      const candidates = (rowsOf.get(id) ?? []).filter((r) => r.timestamp <= timestamp);
      if (candidates.length === 0) {
        unattributedByEventDay[day]++;
        continue;
      }
      const latest = candidates.reduce((a, b) => (b.timestamp > a.timestamp ? b : a));
      byProjectAndDay[day] ??= {};
      count(byProjectAndDay[day], String(latest.project));
    }
  }
  for (const day of Object.keys(byProjectAndDay))
    byProjectAndDay[day] = Object.fromEntries(
      Object.entries(byProjectAndDay[day]).sort(([a], [b]) => Number(a) - Number(b)),
    );
  return {
    downloadsByEventDay,
    unattributedByEventDay,
    duplicatesByEventDay,
    filteredOutByEventDay: sorted(filteredOutByEventDay),
    recordsByArrivalDay: sorted(recordsByArrivalDay),
    byProjectAndDay,
  };
}

const tmp: string[] = [];
const newLake = () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakestep-derived-'));
  tmp.push(dir);
  return dir;
};
afterAll(() =>
  tmp.forEach((d) => {
    rmSync(d, { recursive: true, force: true });
  }),
);

const digest = (dir: string) =>
  filesUnder(dir).map((p) => `${relative(dir, p)} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);

describe('generateSample: file_downloads and node_snapshots', () => {
  const base = { days: 3, start: '2024-02-28', recordsPerHour: 60, seed: 11 };
  let lake: string;
  let summary: SampleSummary;
  let downloads: Download[];
  let snapshots: ReturnType<typeof readSnapshots>;

  beforeAll(async () => {
    lake = newLake();
    summary = await generateSample({ ...base, lakeDir: lake });
    downloads = readDownloads(lake);
    snapshots = readSnapshots(lake);
  });

  it('writes the same files for the same seed, and each dataset the same whichever others are chosen', async () => {
    const again = newLake();
    const alone: Record<SampleDataset, string> = {
      access_records: newLake(),
      file_downloads: newLake(),
      node_snapshots: newLake(),
    };

    const summaryAgain = await generateSample({ ...base, lakeDir: again });
    for (const [dataset, dir] of Object.entries(alone))
      await generateSample({ ...base, lakeDir: dir, datasets: [dataset as SampleDataset] });

    expect(digest(again)).toEqual(digest(lake));
    expect({ ...summaryAgain, lakeDir: lake }).toEqual(summary);
    for (const [dataset, dir] of Object.entries(alone)) {
      expect(readdirSync(join(dir, 'raw'))).toEqual([dataset]);
      expect(digest(join(dir, 'raw', dataset))).toEqual(digest(join(lake, 'raw', dataset)));
    }
  });

  it('lays downloads out by arrival hour, Firehose style, and snapshots one gzip CSV a day, Hive style', () => {
    const downloadKeys = filesUnder(join(lake, 'raw/file_downloads')).map((p) => relative(lake, p));

    for (const key of downloadKeys) {
      const m =
        /^raw\/file_downloads\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/lakestep-file-downloads-1-(\d{4})-(\d{2})-(\d{2})-(\d{2})-\d{2}-\d{2}-[0-9a-f-]{36}\.gz$/.exec(
          key,
        );
      expect(m).not.toBeNull();
      expect(m!.slice(1, 5)).toEqual(m!.slice(5, 9));
    }
    expect(downloadKeys.length).toBe(summary.fileDownloads!.files);
    expect(downloads.length).toBe(summary.fileDownloads!.recordsWritten);
    expect(snapshots.keys).toEqual(
      ['2024/02/28', '2024/02/29', '2024/03/01'].map((d) => {
        const [y, m, dd] = d.split('/');
        return `raw/node_snapshots/year=${y}/month=${m}/day=${dd}/node-snapshot-${y}-${m}-${dd}.csv.gz`;
      }),
    );
    for (const head of snapshots.header)
      expect(head.slice(0, 6)).toEqual(['ID', 'PROJECT_ID', 'NODE_TYPE', 'TIMESTAMP', 'NAME', 'CREATED_BY']);
  });

  it('follows the hive layout option for downloads too', async () => {
    const hive = newLake();

    const s = await generateSample({ ...base, lakeDir: hive, layout: 'hive', datasets: ['file_downloads'] });

    const keys = filesUnder(join(hive, 'raw/file_downloads')).map((p) => relative(hive, p));
    expect(
      keys.every((k) =>
        /^raw\/file_downloads\/year=2024\/month=0[23]\/day=\d{2}\/lakestep-file-downloads-1-[^/]+\.gz$/.test(k),
      ),
    ).toBe(true);
    expect(s.fileDownloads!.expected).toEqual(summary.fileDownloads!.expected);
  });

  it('writes downloads in Synapse envelopes, with the declared fields and types, mixing in other association types', () => {
    for (const path of filesUnder(join(lake, 'raw/file_downloads'))) {
      for (const t of jsonObjects(textOf(path))) {
        const e = JSON.parse(t);
        expect(Object.keys(e).sort()).toEqual(['instance', 'payload', 'stack', 'timestamp']);
        expect(typeof e.payload.fileHandleId).toBe('string'); // ids as strings, as the repository service writes them
        expect(e.payload.associateId).toMatch(/^syn\d+$/);
      }
    }
    for (const d of downloads) {
      expect(
        Object.keys(d)
          .filter((k) => k !== 'key' && k !== 'arrival')
          .sort(),
      ).toEqual(['associateId', 'associateType', 'fileHandleId', 'instance', 'stack', 'timestamp', 'userId']);
      expect([d.timestamp, d.userId, d.fileHandleId, d.associateId].every(Number.isInteger)).toBe(true);
    }
    const types = new Set(downloads.map((d) => d.associateType));
    expect(types.has('FileEntity')).toBe(true);
    expect(types.has('TableEntity')).toBe(true);
    expect([...types].some((t) => t !== 'FileEntity' && t !== 'TableEntity')).toBe(true);
  });

  it('matches every download to an access record of the same user and time that names the downloaded object', () => {
    const index = accessIndex(lake);

    for (const d of downloads) {
      const urls = index.get(`${d.timestamp}|${d.userId}`) ?? [];
      expect([d.associateId, urls.some((u) => new RegExp(`(syn|SYN|/)${d.associateId}(\\D|$)`).test(u))]).toEqual([
        d.associateId,
        true,
      ]);
    }
  });

  it('repeats unchanged nodes in every dump, moves a node mid-period, and lists a few nodes only from some day on', () => {
    const byDay = new Map<string, Map<number, SnapshotRow>>();
    for (const r of snapshots.rows) {
      if (!byDay.has(r.day)) byDay.set(r.day, new Map());
      expect(byDay.get(r.day)!.has(r.id)).toBe(false); // one row per node per dump
      byDay.get(r.day)!.set(r.id, r);
    }
    const days = [...byDay.keys()].sort();

    const moves: SnapshotRow[] = [];
    const changedWithoutMove: number[] = [];
    for (let i = 1; i < days.length; i++) {
      for (const [id, before] of byDay.get(days[i - 1])!) {
        const after = byDay.get(days[i])!.get(id);
        if (!after) throw new Error(`node ${id} vanished after ${days[i - 1]}`);
        if (after.project !== before.project) moves.push(after);
        else if (after.timestamp !== before.timestamp || after.name !== before.name) changedWithoutMove.push(id);
      }
    }
    expect(changedWithoutMove).toEqual([]);
    expect(moves.length).toBeGreaterThan(0);
    for (const m of moves) expect(dayOf(m.timestamp)).toBe(m.day); // TIMESTAMP is the move's time, in the dump's day
    expect(moves.map((m) => m.id).sort()).toEqual(summary.nodeSnapshots!.events.moved.map((m) => m.id).sort());
    const late = [...byDay.get(days[2])!.keys()].filter((id) => !byDay.get(days[0])!.has(id));
    expect(late.length).toBeGreaterThan(0);
    expect(Object.fromEntries(days.map((d) => [d, byDay.get(d)!.size]))).toEqual(
      summary.nodeSnapshots!.rowsBySnapshotDay,
    );
    expect(snapshots.rows.some((r) => r.name.includes(','))).toBe(true); // quoted in the file, whole after parsing
  });

  it('claims exactly the figures the stage rules give on its files: downloads, duplicates, unattributed, per project', () => {
    const e = summary.fileDownloads!.expected;

    const c = expectedFromFiles(downloads, snapshots.rows);

    expect(e.downloadsByEventDay).toEqual(c.downloadsByEventDay);
    expect(e.unattributedByEventDay).toEqual(c.unattributedByEventDay);
    expect(e.duplicatesByEventDay).toEqual(c.duplicatesByEventDay);
    expect(e.filteredOutByEventDay).toEqual(c.filteredOutByEventDay);
    expect(e.recordsByArrivalDay).toEqual(c.recordsByArrivalDay);
    expect(e.byProjectAndDay).toEqual(c.byProjectAndDay);
    expect(e.downloads).toBe(Object.values(c.downloadsByEventDay).reduce((a, b) => a + b, 0));
    expect(e.unattributed).toBe(Object.values(c.unattributedByEventDay).reduce((a, b) => a + b, 0));
    expect(Object.keys(e.downloadsByEventDay)).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']);
    expect(e.unattributed).toBeGreaterThan(0);
    expect(e.duplicatesDropped).toBeGreaterThan(0);
  });

  it('claims the re-derived figures on a larger sample across a year boundary too', async () => {
    const big = newLake();

    const s = await generateSample({
      days: 4,
      start: '2023-12-30',
      recordsPerHour: 400,
      seed: 7,
      lakeDir: big,
      datasets: ['file_downloads', 'node_snapshots'],
    });

    const c = expectedFromFiles(readDownloads(big), readSnapshots(big).rows);
    const e = s.fileDownloads!.expected;
    expect([e.downloadsByEventDay, e.unattributedByEventDay, e.duplicatesByEventDay, e.byProjectAndDay]).toEqual([
      c.downloadsByEventDay,
      c.unattributedByEventDay,
      c.duplicatesByEventDay,
      c.byProjectAndDay,
    ]);
    expect(existsSync(join(big, 'raw/access_records'))).toBe(false);
    expect(s.files).toBe(0);
  });

  it('has a download on either side of a move attributed to each project', () => {
    const moved = summary.nodeSnapshots!.events.moved;
    const ofMoved = downloads.filter((d) => moved.some((m) => m.id === d.associateId));

    const sides = ofMoved.map((d) => {
      const m = moved.find((x) => x.id === d.associateId)!;
      return d.timestamp < m.atMs ? 'before' : 'after';
    });
    expect(new Set(sides)).toEqual(new Set(['before', 'after']));
    expect(moved.every((m) => m.atMs >= Date.parse('2024-02-29') && m.atMs < Date.parse('2024-03-01') + DAY_MS)).toBe(
      true,
    ); // never on day 0
  });

  it('rejects an unknown dataset', async () => {
    await expect(
      generateSample({ ...base, lakeDir: newLake(), datasets: ['downloads' as SampleDataset] }),
    ).rejects.toThrow(InputError);
    await expect(generateSample({ ...base, lakeDir: newLake(), datasets: [] })).rejects.toThrow(/datasets/);
  });
});
