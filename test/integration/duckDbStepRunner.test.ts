import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { projectRoot, type LakestepConfig } from '../../src/config/config';
import { flatAccessRecords, withFlatAccessRecords } from '../helpers/flatRecords';
import type { StepResult, StepSpec } from '../../src/core/types';
import { DuckDbStepRunner, runStepInProcess } from '../../src/local/duckdb/duckDbStepRunner';
import { loadRawDays } from '../../src/local/duckdb/rawReader';
import { writeRawFile } from '../../src/sample/rawFile';
import { stepSpec } from '../helpers/stepSpec';

/** Epoch ms of a UTC time on a day, e.g. at('2024-03-01', 10) = 10:00Z. */
const at = (day: string, hour: number, minute = 0) => Date.parse(`${day}T00:00:00Z`) + (hour * 60 + minute) * 60_000;

/** A compact access record; `extra` overrides or adds fields (undefined removes one). */
function rec(sessionId: string, timestamp: number, extra: Record<string, unknown> = {}): string {
  const fields: Record<string, unknown> = {
    sessionId,
    timestamp,
    userId: 42,
    method: 'GET',
    requestURL: `/repo/v1/entity/syn${sessionId.length}`,
    userAgent: 'synapseclient/2.7.2 python-requests/2.31.0',
    success: true,
    responseStatus: 200,
    ...extra,
  };
  for (const [k, v] of Object.entries(fields)) if (v === undefined) delete fields[k];
  return JSON.stringify(fields);
}

const key = (day: string, hour: string, name: string) => `raw/access_records/${day.replace(/-/g, '/')}/${hour}/${name}`;

/**
 * Raw files of arrival days 2024-03-01 … 03-03. Step days: 03-01 and 03-02 (raw window 02-29 … 03-03).
 * Expected (see the comments per record):
 * - day 03-01: in 6 (s1 ×4 copies over two hours and two days, s5, s8), out 3, duplicates 3;
 * - day 03-02: in 3 (s6, s7 ×2), out 2, duplicates 1;
 * - arrival 03-01: 7 rejected (1 late); arrival 03-02: 2 rejected (1 late, 1 truncated gzip).
 */
async function plantRawFiles(lake: string): Promise<void> {
  const s1 = rec('s1', at('2024-03-01', 10));
  await writeRawFile(lake, key('2024-03-01', '10', 'a.gz'), [
    s1, // 0: valid, day 03-01
    s1, // 1: copy in the same file
    rec('s2', at('2024-02-29', 23, 50)), // 2: event day before the first raw day, within lateness: kept for 02-29 (not a step day)
    rec('s3', at('2024-02-27', 12)), // 3: late beyond the allowance → late
    '{"sessionId":"s4","timestamp":1,', // 4: unterminated → invalid_json
    rec('s5x', at('2024-03-01', 9), { sessionId: undefined }), // 5: → missing_field sessionId
    rec('s6x', at('2024-03-01', 9), { userId: 'abc' }), // 6: → bad_type userId
    rec('s7x', at('2024-03-01', 9)).replace(/"timestamp":(\d+)/, '"timestamp":"$1 ms"'), // 7: → bad_type timestamp (a string of digits would be read)
    rec('s8x', -5), // 8: event time before 1970 → bad_type
    '<html><body>502 Bad Gateway</body></html>', // 9: → invalid_json
  ]);
  await writeRawFile(
    lake,
    key('2024-03-01', '11', 'b.gz'),
    [
      rec('s5', at('2024-03-01', 11)), // valid, day 03-01
      s1, // copy in another hour
      rec('s6', at('2024-03-02', 1)), // event after its arrival day, within lateness: day 03-02
    ],
    { separator: 'none' },
  );
  const s7 = rec('s7', at('2024-03-02', 2));
  await writeRawFile(
    lake,
    key('2024-03-02', '00', 'c.gz'),
    [
      s1, // copy on the next arrival day
      s7, // day 03-02
      rec('s8', at('2024-03-01', 23, 59)), // arrived after midnight: day 03-01
      rec('s9', at('2024-03-05', 1)), // 3 days ahead of arrival → late
    ],
    { separator: 'mixed' },
  );
  await writeRawFile(
    lake,
    key('2024-03-02', '05', 'd.gz'),
    [rec('t1', at('2024-03-02', 5)), rec('t2', at('2024-03-02', 5))],
    { truncateGzipFraction: 0.5 },
  );
  await writeRawFile(lake, key('2024-03-03', '02', 'e.gz'), [
    s7, // copy two arrival days later (within lateness of day 03-02)
    rec('s10', at('2024-03-03', 3)), // day 03-03: not a step day, not written
  ]);
}

function spec(overrides: Partial<StepSpec> = {}): StepSpec {
  return stepSpec({
    executionId: 'exec-1',
    groupId: 'g-2024-03-01',
    dataset: 'access_records',
    days: ['2024-03-01', '2024-03-02'],
    rawDays: ['2024-02-29', '2024-03-01', '2024-03-02', '2024-03-03'],
    stageSql: 'spark/sql/access_records.sql',
    stageVersion: 'test-v1',
    resultKey: '_results/exec-1/g-2024-03-01.json',
    ...overrides,
  });
}

/** Records here are written flat, not in Synapse's envelope. */
const withThreshold = (rejectThreshold: number): LakestepConfig => withFlatAccessRecords(rejectThreshold);

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`SET TimeZone = 'UTC'`);
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
      .sort();
  } catch {
    return [];
  }
}

describe('runStepInProcess', () => {
  let lake: string;
  const lenient = withThreshold(0.6);

  beforeEach(async () => {
    lake = await mkdtemp(join(tmpdir(), 'lakestep-step-'));
    await plantRawFiles(lake);
  });

  afterEach(async () => {
    await rm(lake, { recursive: true, force: true });
  });

  it('computes exact per-day counts from duplicates, late, malformed and truncated input', async () => {
    const result = await runStepInProcess(spec(), { lakeDir: lake, projectRoot: projectRoot(), config: lenient });

    expect(result.days).toEqual([
      {
        day: '2024-03-01',
        status: 'succeeded',
        recordsIn: 6,
        recordsOut: 3,
        duplicatesDropped: 3,
        rejected: 7,
        late: 1,
        rejectedByReason: { bad_type: 3, invalid_json: 2, late: 1, missing_field: 1 },
      },
      {
        day: '2024-03-02',
        status: 'succeeded',
        recordsIn: 3,
        recordsOut: 2,
        duplicatesDropped: 1,
        rejected: 2,
        late: 1,
        rejectedByReason: { late: 1, truncated_gzip: 1 },
      },
    ]);
    expect(result.rejectedByReason).toEqual({
      bad_type: 3,
      invalid_json: 2,
      late: 2,
      missing_field: 1,
      truncated_gzip: 1,
    });
    expect(result).toMatchObject({ groupId: 'g-2024-03-01', dataset: 'access_records', stageVersion: 'test-v1' });
    const written = JSON.parse(await readFile(join(lake, '_results/exec-1/g-2024-03-01.json'), 'utf8')) as StepResult;
    expect(written.days).toEqual(result.days);
    expect(written).not.toHaveProperty('profile');
  });

  it('writes each day as Parquet under year=/month=/day=, one row per key, no partition columns inside', async () => {
    await runStepInProcess(spec(), { lakeDir: lake, projectRoot: projectRoot(), config: lenient });

    const rows = await query(`SELECT session_id, strftime(record_date, '%Y-%m-%d') AS d, typeof("timestamp") AS ts_type
      FROM read_parquet('${lake}/processed/access_records/*/*/*/*.parquet') ORDER BY d, session_id`);
    expect(rows.map((r) => [r.d, r.session_id])).toEqual([
      ['2024-03-01', 's1'],
      ['2024-03-01', 's5'],
      ['2024-03-01', 's8'],
      ['2024-03-02', 's6'],
      ['2024-03-02', 's7'],
    ]);
    expect(new Set(rows.map((r) => r.ts_type))).toEqual(new Set(['TIMESTAMP WITH TIME ZONE'])); // an instant, as Spark writes it
    const columns = await query(
      `DESCRIBE SELECT * FROM read_parquet('${lake}/processed/access_records/year=2024/month=03/day=01/*.parquet', hive_partitioning = false)`,
    );
    const names = columns.map((c) => c.column_name);
    expect(names).toEqual(expect.arrayContaining(['session_id', 'timestamp', 'record_date']));
    expect(names).not.toEqual(expect.arrayContaining(['year']));
    expect(names).not.toContain('month');
    expect(names).not.toContain('day');
    const days = (await readdir(join(lake, 'processed/access_records/year=2024/month=03'))).sort();
    expect(days).toEqual(['day=01', 'day=02']); // not 02-29 (before the step) nor 03-03
    for (const file of await filesUnder(join(lake, 'processed'))) expect(file).toMatch(/\/part-[0-9a-f-]+\.parquet$/);
  });

  it('writes the rejects of the step days by arrival day, with source file, index, reason and raw text', async () => {
    await runStepInProcess(spec(), { lakeDir: lake, projectRoot: projectRoot(), config: lenient });

    const rows =
      await query(`SELECT strftime(arrival_day, '%Y-%m-%d') AS arrival, source_file, record_index, reason, detail,
        strftime(event_day, '%Y-%m-%d') AS event, raw_text
      FROM read_parquet('${lake}/rejected/access_records/*/*/*/*.parquet', hive_partitioning = false) ORDER BY arrival, source_file, record_index`);
    expect(
      rows.map((r) => [
        r.arrival,
        String(r.source_file).split('/').pop(),
        Number(r.record_index),
        r.reason,
        r.detail,
        r.event,
      ]),
    ).toEqual([
      ['2024-03-01', 'a.gz', 3, 'late', 'arrival 2024-03-01, event 2024-02-27', '2024-02-27'],
      ['2024-03-01', 'a.gz', 4, 'invalid_json', 'malformed JSON object', null],
      ['2024-03-01', 'a.gz', 5, 'missing_field', 'sessionId', null],
      ['2024-03-01', 'a.gz', 6, 'bad_type', 'userId: expected bigint', null],
      ['2024-03-01', 'a.gz', 7, 'bad_type', 'timestamp: expected bigint', null],
      ['2024-03-01', 'a.gz', 8, 'bad_type', 'timestamp: expected epoch ms in years 1970…9999', null],
      ['2024-03-01', 'a.gz', 9, 'invalid_json', 'malformed JSON', null],
      ['2024-03-02', 'c.gz', 3, 'late', 'arrival 2024-03-02, event 2024-03-05', '2024-03-05'],
      ['2024-03-02', 'd.gz', 0, 'truncated_gzip', expect.stringMatching(/^\d+$/), null],
    ]);
    expect(rows[1].raw_text).toBe('{"sessionId":"s4","timestamp":1,');
    expect(rows[0].source_file).toBe('raw/access_records/2024/03/01/10/a.gz');
    expect(rows[8].detail).toBe(String((await stat(join(lake, key('2024-03-02', '05', 'd.gz')))).size));
    expect(await filesUnder(join(lake, 'rejected/access_records/year=2024/month=03/day=03'))).toEqual([]);
  });

  it('gives identical rows on a rerun, replacing the day files instead of adding to them', async () => {
    const first = await runStepInProcess(spec(), { lakeDir: lake, projectRoot: projectRoot(), config: lenient });
    const before = await query(
      `SELECT * FROM read_parquet('${lake}/processed/access_records/*/*/*/*.parquet') ORDER BY ALL`,
    );
    const filesBefore = await filesUnder(join(lake, 'processed'));

    const second = await runStepInProcess(spec(), { lakeDir: lake, projectRoot: projectRoot(), config: lenient });

    const after = await query(
      `SELECT * FROM read_parquet('${lake}/processed/access_records/*/*/*/*.parquet') ORDER BY ALL`,
    );
    const filesAfter = await filesUnder(join(lake, 'processed'));
    expect(after).toEqual(before);
    expect(second.days).toEqual(first.days);
    expect(filesAfter).toHaveLength(filesBefore.length);
    expect(filesAfter.filter((f) => filesBefore.includes(f))).toEqual([]); // new names, old files gone
    const rejects = await query(
      `SELECT count(*)::INTEGER AS n FROM read_parquet('${lake}/rejected/access_records/*/*/*/*.parquet')`,
    );
    expect(rejects[0].n).toBe(9);
  });

  it('touches only the step days: other days keep their files, a day left without rows loses its old files', async () => {
    const untouched = join(lake, 'processed/access_records/year=2024/month=03/day=05/part-old.parquet');
    await mkdir(join(lake, 'processed/access_records/year=2024/month=03/day=05'), { recursive: true });
    await writeFile(untouched, 'not really parquet: must not be read or removed');
    const stale = join(lake, 'processed/access_records/year=2024/month=03/day=04/part-stale.parquet');
    await mkdir(join(lake, 'processed/access_records/year=2024/month=03/day=04'), { recursive: true });
    await writeFile(stale, 'stale');

    // Day 03-04 has no raw records at all: computing it ends with no data files there.
    await runStepInProcess(
      spec({
        days: ['2024-03-02', '2024-03-03', '2024-03-04'],
        rawDays: ['2024-03-01', '2024-03-02', '2024-03-03', '2024-03-04', '2024-03-05'],
      }),
      {
        lakeDir: lake,
        projectRoot: projectRoot(),
        config: lenient,
      },
    );
    await runStepInProcess(spec({ days: ['2024-03-01'], rawDays: ['2024-02-29', '2024-03-01', '2024-03-02'] }), {
      lakeDir: lake,
      projectRoot: projectRoot(),
      config: lenient,
    });

    expect(await readFile(untouched, 'utf8')).toBe('not really parquet: must not be read or removed');
    expect(await filesUnder(join(lake, 'processed/access_records/year=2024/month=03/day=04'))).toEqual([]);
    expect((await filesUnder(join(lake, 'processed/access_records/year=2024/month=03/day=02'))).length).toBeGreaterThan(
      0,
    );
  });

  it('fails every day of the group, publishes nothing and quarantines under the run when rejects pass the threshold', async () => {
    const existing = join(lake, 'processed/access_records/year=2024/month=03/day=01/part-existing.parquet');
    await mkdir(join(lake, 'processed/access_records/year=2024/month=03/day=01'), { recursive: true });
    await writeFile(existing, 'existing');

    const result = await runStepInProcess(spec(), {
      lakeDir: lake,
      projectRoot: projectRoot(),
      config: withThreshold(0.05),
    });

    expect(result.days.map((d) => [d.day, d.status, d.error?.name])).toEqual([
      ['2024-03-01', 'failed', 'RejectThresholdError'],
      ['2024-03-02', 'failed', 'RejectThresholdError'],
    ]);
    // 9 rejected of the 18 records that arrived on the step days (a truncated file counts once)
    expect(result.days[0].error?.message).toBe(
      'access_records 2024-03-01…2024-03-02: 9 of 18 records rejected (50.0 %), over the 5.0 % threshold; ' +
        'nothing was published; the quarantined records (raw text and reasons) are in _runs/exec-1/rejected/access_records/',
    );
    expect(await filesUnder(join(lake, 'processed'))).toEqual([existing]);
    expect(await filesUnder(join(lake, 'rejected'))).toEqual([]);
    expect((await filesUnder(join(lake, '_runs/exec-1/rejected/access_records'))).length).toBeGreaterThan(0);
    expect(await filesUnder(join(lake, '_tmp'))).toEqual([]);
  });

  it('reads Hive-style raw folders and plain (not gzip) files the same way', async () => {
    const hiveLake = await mkdtemp(join(tmpdir(), 'lakestep-hive-'));
    try {
      await writeRawFile(
        hiveLake,
        'raw/access_records/year=2024/month=03/day=01/part-1.json',
        [rec('h1', at('2024-03-01', 1)), rec('h1', at('2024-03-01', 1)), rec('h2', at('2024-03-01', 2))],
        { gzip: false, separator: 'none' },
      );

      const result = await runStepInProcess(
        spec({ days: ['2024-03-01'], rawDays: ['2024-02-29', '2024-03-01', '2024-03-02'] }),
        { lakeDir: hiveLake, projectRoot: projectRoot(), config: lenient },
      );

      expect(result.days[0]).toMatchObject({ recordsIn: 3, recordsOut: 2, duplicatesDropped: 1, rejected: 0 });
    } finally {
      await rm(hiveLake, { recursive: true, force: true });
    }
  });
});

describe('DuckDbStepRunner', () => {
  let lake: string;

  beforeEach(async () => {
    lake = await mkdtemp(join(tmpdir(), 'lakestep-runner-'));
    await plantRawFiles(lake);
  });

  afterEach(async () => {
    await rm(lake, { recursive: true, force: true });
  });

  it('submits without waiting, then reports COMPLETED and leaves the StepResult at resultKey', async () => {
    const runner = new DuckDbStepRunner({ lakeDir: lake, projectRoot: projectRoot(), config: withThreshold(0.6) });

    const { stepId } = await runner.submit(spec());
    const early = await runner.describe(stepId);
    const settled = await runner.settled(stepId);

    expect(['PENDING', 'RUNNING']).toContain(early.state);
    expect(settled).toEqual({ stepId, state: 'COMPLETED' });
    expect(await runner.describe(stepId)).toEqual({ stepId, state: 'COMPLETED' });
    const result = JSON.parse(await readFile(join(lake, spec().resultKey), 'utf8')) as StepResult;
    expect(result.days.map((d) => d.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('reports FAILED with the cause when the step throws', async () => {
    const runner = new DuckDbStepRunner({ lakeDir: lake, projectRoot: projectRoot(), config: withFlatAccessRecords() });

    const { stepId } = await runner.submit(spec({ stageSql: 'spark/sql/no_such_stage.sql' }));
    const status = await runner.settled(stepId);

    expect(status.state).toBe('FAILED');
    expect(status.failureMessage).toMatch(/no_such_stage\.sql/);
    expect(await filesUnder(join(lake, 'processed'))).toEqual([]);
  });

  it('cancels a queued step (it never starts), and says a step that ended has ended', async () => {
    const runner = new DuckDbStepRunner({ lakeDir: lake, projectRoot: projectRoot(), config: withThreshold(0.6) });
    const first = await runner.submit(spec());
    const queued = await runner.submit(spec({ groupId: 'g-queued', resultKey: '_runs/exec-1/steps/g-queued.json' }));

    const cancelQueued = await runner.cancel(queued.stepId);
    const queuedEnd = await runner.settled(queued.stepId);
    await runner.settled(first.stepId);

    expect(cancelQueued).toBe('cancelling');
    expect(queuedEnd).toMatchObject({
      state: 'CANCELLED',
      failureMessage: 'cancelled before it started (past its deadline)',
    });
    expect(await runner.cancel(first.stepId)).toBe('ended');
    expect(existsSync(join(lake, '_runs', 'exec-1', 'steps', 'g-queued.json'))).toBe(false);
    expect(existsSync(join(lake, spec().resultKey))).toBe(true);
  });

  it('reports an unknown step id as FAILED', async () => {
    const runner = new DuckDbStepRunner({ lakeDir: lake, projectRoot: projectRoot(), config: withFlatAccessRecords() });

    expect(await runner.describe('duckdb-nope')).toMatchObject({
      state: 'FAILED',
      failureMessage: expect.stringMatching(/unknown/),
    });
  });
});

describe('loadRawDays', () => {
  let lake: string;

  beforeEach(async () => {
    lake = await mkdtemp(join(tmpdir(), 'lakestep-raw-'));
  });

  afterEach(async () => {
    await rm(lake, { recursive: true, force: true });
  });

  let rawTexts: string[] = [];

  /** Loads one plain file of arrival day 2024-03-01 (records one per line, or bytes as they are) and returns the valid rows and the rejects, by record index. */
  async function load(records: string[] | Buffer, dataset = flatAccessRecords()) {
    const path = key('2024-03-01', '00', 'types.json');
    if (Buffer.isBuffer(records)) {
      await mkdir(join(lake, path, '..'), { recursive: true });
      await writeFile(join(lake, path), records);
    } else await writeRawFile(lake, path, records, { gzip: false });
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await loadRawDays(connection, {
        lakeDir: lake,
        dataset,
        rawDays: ['2024-03-01'],
        stagingDir: join(lake, '_tmp', 'raw'),
      });
      const valid = (
        await connection.runAndReadAll(`SELECT * FROM raw_access_records ORDER BY _record_index`)
      ).getRowObjectsJson();
      const rejects = (
        await connection.runAndReadAll(
          `SELECT record_index, reason, detail, raw_text FROM rejects ORDER BY record_index`,
        )
      ).getRowObjectsJson();
      rawTexts = rejects.map((r) => String(r.raw_text));
      return { valid, rejects: rejects.map((r) => [Number(r.record_index), r.reason, r.detail]) };
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  const ts = at('2024-03-01', 12);

  it('applies the type rules of docs/raw-records.md field by field', async () => {
    const { valid, rejects } = await load([
      `{"sessionId":123,"timestamp":${ts},"method":true,"host":1.5}`, // 0: string takes numbers and booleans as JSON text
      `{"sessionId":"a\\"b\\u00e9","timestamp":${ts},"via":"null","origin":null}`, // 1: escapes decoded; "null" is a string
      `{"sessionId":"s","timestamp":${ts},"userId":9223372036854775807,"threadId":-9223372036854775808}`, // 2: bigint bounds
      `{"sessionId":"s","timestamp":${ts},"userId":9223372036854775808}`, // 3: past signed 64 bits
      `{"sessionId":"s","timestamp":${ts},"elapseMS":1.5}`, // 4: not integral
      `{"sessionId":"s","timestamp":${ts},"userId":1e3,"elapseMS":"-7","threadId":2.0}`, // 5: integral numbers and a string of digits are bigints
      `{"sessionId":"s","timestamp":${ts},"success":"yes"}`, // 6: boolean must be true/false
      `{"sessionId":"s","timestamp":${ts},"host":{"name":"x"}}`, // 7: object for a string
      `{"sessionId":"s","timestamp":${ts},"stack":[1,2]}`, // 8: array for a string
      `{"sessionId":"s","timestamp":${ts},"stack":"[not an array]","undeclared":{"x":[1]}}`, // 9: a string starting with [; undeclared fields ignored
      `{"sessionId":"s","timestamp":253402300800000}`, // 10: year 10000
      `{"sessionId":"s","timestamp":null}`, // 11: required and null
      `{"sessionId":"s","timestamp":${ts},"success":false,"responseStatus":-0}`, // 12: valid
      '[{"sessionId":"s"}]', // 13: JSON, but not an object
      '{"sessionId":"s","timestamp":1,}x', // 14: trailing comma (DuckDB's parser would take it; RFC 8259 and Spark do not), then 15: garbage
    ]);

    expect(valid.map((r) => Number(r._record_index))).toEqual([0, 1, 2, 5, 9, 12]);
    expect(valid[0]).toMatchObject({ sessionId: '123', method: 'true', host: '1.5' });
    expect(valid[1]).toMatchObject({ sessionId: 'a"bé', via: 'null', origin: null });
    expect(valid[2]).toMatchObject({ userId: '9223372036854775807', threadId: '-9223372036854775808' });
    expect(valid[3]).toMatchObject({ userId: '1000', elapseMS: '-7', threadId: '2' });
    expect(valid[4]).toMatchObject({ stack: '[not an array]' });
    expect(valid[5]).toMatchObject({
      success: false,
      responseStatus: '0',
      _arrival_day: '2024-03-01',
      _source_file: key('2024-03-01', '00', 'types.json'),
    });
    expect(rejects).toEqual([
      [3, 'bad_type', 'userId: expected bigint'],
      [4, 'bad_type', 'elapseMS: expected bigint'],
      [6, 'bad_type', 'success: expected boolean'],
      [7, 'bad_type', 'host: expected string'],
      [8, 'bad_type', 'stack: expected string'],
      [10, 'bad_type', 'timestamp: expected epoch ms in years 1970…9999'],
      [11, 'missing_field', 'timestamp'],
      [13, 'invalid_json', 'not a JSON object'],
      [14, 'invalid_json', 'malformed JSON object'],
      [15, 'invalid_json', 'malformed JSON'],
    ]);
  });

  it('reports the first reason that holds: invalid_json, missing_field, bad_type, late', async () => {
    const { rejects } = await load([
      `{"timestamp":"x","userId":"y"}`, // missing sessionId beats the bad types
      `{"sessionId":"s","timestamp":"x"}`, // a present but mistyped required field is bad_type
      `{"sessionId":"s","timestamp":0,"userId":"y"}`, // bad_type beats late
      `{"sessionId":"s","timestamp":0}`, // 1970-01-01 arriving 2024-03-01: late
    ]);

    expect(rejects).toEqual([
      [0, 'missing_field', 'sessionId'],
      [1, 'bad_type', 'timestamp: expected bigint'],
      [2, 'bad_type', 'userId: expected bigint'],
      [3, 'late', 'arrival 2024-03-01, event 1970-01-01'],
    ]);
  });

  it('keeps a record holding a raw newline inside a string as one malformed record', async () => {
    const { valid, rejects } = await load([
      `{"sessionId":"a\nb","timestamp":${ts}}`.replace('\\n', '\n'),
      `{"sessionId":"ok","timestamp":${ts}}`,
    ]);

    expect(valid.map((r) => r.sessionId)).toEqual(['ok']);
    expect(rejects).toEqual([[0, 'invalid_json', 'malformed JSON object']]);
  });

  it('quarantines a file of binary noise record by record, with its text (not-UTF-8 bytes as U+FFFD), instead of failing', async () => {
    // every byte value, shuffled by a fixed rule, with control bytes (\x00, \x01, \r) and invalid UTF-8 among them
    const noise = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
    const { valid, rejects } = await load(
      Buffer.concat([
        Buffer.from(`{"sessionId":"ok","timestamp":${ts}}\n`),
        noise,
        Buffer.from(`\n{"sessionId":"after","timestamp":${ts}}\n`),
      ]),
    );

    expect(valid.map((r) => r.sessionId)).toEqual(['ok', 'after']);
    expect(rejects.length).toBeGreaterThan(10);
    expect(rejects.every(([, reason]) => reason === 'invalid_json')).toBe(true);
  });

  it('reads a record of 33 MiB (no line limit fails the step)', async () => {
    const huge = `{"sessionId":"big","timestamp":${ts},"queryString":"${'q'.repeat(33 << 20)}"}`;

    const { valid, rejects } = await load([huge, `{"sessionId":"next","timestamp":${ts}}`]);

    expect(valid.map((r) => [r.sessionId, String(r.queryString).length])).toEqual([
      ['big', 33 << 20],
      ['next', 4],
    ]);
    expect(rejects).toEqual([]);
  });

  it('quarantines a record over maxRecordBytes as too_large with its size and its first 64 KiB, and reads on', async () => {
    const dataset = { ...flatAccessRecords(), maxRecordBytes: 65_536 };
    const big = `{"sessionId":"bigg","timestamp":${ts},"queryString":"${'é'.repeat(40_000)}"}`; // odd prefix: byte 65,536 is inside an é

    const { valid, rejects } = await load([big, `{"sessionId":"next","timestamp":${ts}}`], dataset);

    const bytes = Buffer.byteLength(big);
    expect(valid.map((r) => r.sessionId)).toEqual(['next']);
    expect(rejects).toEqual([[0, 'too_large', `${bytes} bytes, over maxRecordBytes 65536`]]);
    // 64 KiB cut back to a character boundary: 'é' is 2 bytes
    expect(Buffer.byteLength(rawTexts[0])).toBe(65_535);
    expect(big.startsWith(rawTexts[0])).toBe(true);
  });

  it('takes the arrival day as the event day when the dataset declares no event time (nothing is late)', async () => {
    const { eventTime: _unused, ...withoutEventTime } = flatAccessRecords();

    const { valid, rejects } = await load(
      [`{"sessionId":"old","timestamp":0}`, `{"sessionId":"far","timestamp":253402300800000}`],
      withoutEventTime,
    );

    expect(valid.map((r) => r.sessionId)).toEqual(['old', 'far']);
    expect(rejects).toEqual([]);
  });
});
