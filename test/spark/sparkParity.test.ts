/**
 * Parity: the access_records stage on the same raw input through the real PySpark driver on local
 * Spark (SparkSubmitStepRunner: spark-submit --master local[2], the EMR code path) and through the
 * DuckDB engine must give identical rows in every column, identical rejects, the same partition
 * folders and the same StepResult counts. One Spark launch for the whole file (start-up is slow).
 *
 * Needs `.venv` (node scripts/ensure-python.js) and Java 17.
 *
 * The per-value rules (casts, splitting, formats) are the shared vectors' (spec/vectors/raw-records,
 * run in both engines); this file checks a whole step, writes included.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadConfig, projectRoot } from '../../src/config/config';
import type { StepResult, StepSpec } from '../../src/core/types';
import { runStepInProcess } from '../../src/local/duckdb/duckDbStepRunner';
import { SparkSubmitStepRunner } from '../../src/local/sparkSubmitStepRunner';
import { partitionFolders, sql, tmpLake } from '../helpers/lake';
import { stepSpec } from '../helpers/stepSpec';

interface Vector {
  field: string;
  input: Record<string, unknown>;
  expected: unknown;
  from: string;
}

const vectors: Vector[] = JSON.parse(
  readFileSync(join(__dirname, '../fixtures/synapse-reference-vectors.json'), 'utf8'),
);

const MS_PER_DAY = 86_400_000;
/** 2023-04-06T00:00:00Z: the record_date vector's day, so its own timestamp lands in the group. */
const D = Date.UTC(2023, 3, 6);
const H = 3_600_000;
const RAW = 'raw/access_records/';
const SPARK_TIMEOUT_MS = 300_000;

const spec: StepSpec = stepSpec({
  executionId: 'exec-parity',
  groupId: 'g-2023-04-06',
  dataset: 'access_records',
  days: ['2023-04-06', '2023-04-07'],
  rawDays: ['2023-04-05', '2023-04-06', '2023-04-07', '2023-04-08'],
  stageSql: 'spark/sql/access_records.sql',
  stageVersion: 'parity',
  resultKey: '_results/exec-parity/g-2023-04-06.json',
});

/** One access record as Synapse's repository service writes it: the envelope, the AccessRecord its payload. */
const line = (record: Record<string, unknown>) =>
  JSON.stringify({ stack: 'prod', instance: '000000503', timestamp: record.timestamp, payload: record });

/** A full record with every raw field, numbers in some string fields (as their JSON text). */
function fullRecord(sessionId: string, timestamp: number, extra: Record<string, unknown> = {}) {
  return {
    sessionId,
    timestamp,
    userId: 3350396,
    method: 'GET',
    requestURL: '/repo/v1/entity/syn123/bundle2',
    userAgent: 'python-requests/2.28.2 synapseclient/2.7.2',
    host: 'repo-prod.prod.sagebase.org',
    origin: null,
    via: null,
    responseStatus: 200,
    success: true,
    stack: 'prod',
    instance: '000000503',
    elapseMS: 42,
    threadId: 7,
    vmId: 'vm-1',
    queryString: 'limit=50',
    xforwardedFor: '10.0.0.1',
    returnObjectId: 17,
    oauthClientId: '100001',
    basicAuthUsername: null,
    authenticationMethod: 'BEARER',
    ...extra,
  };
}

/** Writes the same raw input into a lake folder (and a stale output file that both engines must remove). */
function writeRawInput(lake: string) {
  const put = (key: string, body: string | Buffer) => {
    mkdirSync(dirname(join(lake, key)), { recursive: true });
    writeFileSync(join(lake, key), body);
  };
  // One record per reference vector: its input fields over a neutral record, 04-06 10:00 + i ms.
  const vectorRecords = vectors.map((v, i) => ({
    sessionId: `vec-${String(i).padStart(3, '0')}`,
    timestamp: D + 10 * H + i,
    method: 'GET',
    ...v.input,
  }));
  // Back-to-back objects mixed with newlines in one gzip file, as Firehose writes them.
  const firehose = vectorRecords.map((r, i) => line(r) + (i % 3 === 0 ? '\n' : '')).join('');
  put(`${RAW}2023/04/06/10/firehose-1-2023-04-06-10-00-00-a.gz`, gzipSync(firehose));

  // Bulk valid records (keep rejects under the 5 % threshold), spread over both days.
  const bulk = Array.from({ length: 300 }, (_, i) =>
    line(
      fullRecord(`bulk-${i}`, D + (i % 2) * MS_PER_DAY + i * 1000, {
        userAgent: [
          'Mozilla/5.0 (X11) Firefox/115.0',
          'synapser/0.15.33 synapseclient/2.7.0',
          'Synapse-Java-Client/431.0',
          null,
        ][i % 4],
        requestURL: `/repo/v1/entity/syn${1000 + i}/version/${i % 9}`,
      }),
    ),
  ).join('\n');
  put(`${RAW}2023/04/06/14/firehose-1-2023-04-06-14-00-00-b.json`, bulk);

  // Duplicates across hours: vec-000/vec-001 again, and `dup-hour` twice in two later hours.
  put(
    `${RAW}2023/04/06/11/firehose-1-2023-04-06-11-00-00-c.json`,
    [line(vectorRecords[0]), line(vectorRecords[1]), line(fullRecord('dup-hour', D + 11 * H))].join('\n'),
  );
  put(`${RAW}2023/04/06/12/firehose-1-2023-04-06-12-00-00-d.json`, line(fullRecord('dup-hour', D + 11 * H)) + '\n');

  // Across days: vec-002 arrives again on 04-07 (late within lateness: a duplicate), plus 04-07 events.
  put(
    `${RAW}2023/04/07/00/firehose-1-2023-04-07-00-00-00-e.gz`,
    gzipSync(
      [
        line(vectorRecords[2]),
        line(fullRecord('late-ok-06', D + 23 * H)),
        line(fullRecord('day-07-a', D + MS_PER_DAY + H)),
        line(fullRecord('day-07-b', D + MS_PER_DAY + 2 * H)),
      ].join('\n'),
    ),
  );
  // Hive layout on the same arrival day, with a copy of day-07-a.
  put(
    `${RAW}year=2023/month=04/day=07/part-0.json`,
    [line(fullRecord('day-07-a', D + MS_PER_DAY + H)), line(fullRecord('hive-07', D + MS_PER_DAY + 3 * H))].join('\n'),
  );
  // Early arrival (event 04-06 on arrival day 04-05) and a record of 04-04 (valid there, not our day).
  put(
    `${RAW}2023/04/05/23/firehose-1-2023-04-05-23-00-00-f.json`,
    [line(fullRecord('early-06', D + H)), line(fullRecord('day-04', D - 2 * MS_PER_DAY + H))].join('\n'),
  );
  // Arrival 04-08 (read for lateness): event 04-07 is ours, event 04-08 is not.
  put(
    `${RAW}2023/04/08/02/firehose-1-2023-04-08-02-00-00-g.json`,
    [line(fullRecord('late-ok-07', D + MS_PER_DAY + 20 * H)), line(fullRecord('day-08', D + 2 * MS_PER_DAY + H))].join(
      '\n',
    ),
  );
  // Late beyond the allowance: event 04-04 arriving 04-06, event 04-10 arriving 04-07.
  put(
    `${RAW}2023/04/06/15/firehose-1-2023-04-06-15-00-00-h.json`,
    line(fullRecord('too-late', D - 2 * MS_PER_DAY + H)) + '\n',
  );
  put(
    `${RAW}2023/04/07/15/firehose-1-2023-04-07-15-00-00-i.json`,
    line(fullRecord('too-early', D + 4 * MS_PER_DAY)) + '\n',
  );
  // Malformed records, one reason each, and records cut by a newline or the end of the file.
  put(
    `${RAW}2023/04/06/13/firehose-1-2023-04-06-13-00-00-j.json`,
    [
      '{bad json',
      '[1,2]',
      line({ timestamp: D + H }),
      line({ sessionId: null, timestamp: D + H }),
      line({ sessionId: 's-bad-ts', timestamp: String(D + H) }),
      line({ sessionId: 's-bad-user', timestamp: D + H, userId: 'abc' }),
      line({ sessionId: 's-float-ts', timestamp: D + H + 0.5 }),
      line({ sessionId: 's-neg-ts', timestamp: -5 }),
      line({ sessionId: 's-bool', timestamp: D + H, success: 'yes' }),
      '{"sessionId":"s-cut","timestamp":1',
      'plain garbage',
      line(fullRecord('after-garbage', D + 2 * H)) + '{"sessionId":"s-eof"',
    ].join('\n'),
  );
  // Bytes that are not UTF-8 (U+FFFD, one per maximal invalid subpart): inside a string the record stays
  // valid; in the structure it is invalid_json; NUL and binary noise between records are records too.
  const bad = (text: string) => Buffer.from(text, 'latin1');
  put(
    `${RAW}2023/04/06/16/firehose-1-2023-04-06-16-00-00-m.gz`,
    gzipSync(
      Buffer.concat([
        Buffer.from(
          line(fullRecord('utf8-in-string', D + 16 * H, { userAgent: 'agent-\u0001' })).replace('\\u0001', '\xff\xfe'),
          'latin1',
        ),
        bad('\n{"stack":"prod","payload":{"sessionId":"utf8-\xe2\x82","timestamp":' + String(D + 16 * H) + '}}\n'),
        bad('{"sessionId":"utf8-struct", \xc3 "timestamp":1}\n'),
        bad('\x00\x9f\x92\x96garbage\x00\n'),
        Buffer.from(line(fullRecord('after-binary', D + 16 * H + 1)) + '\n'),
      ]),
    ),
  );
  // A BOM at the start of a file is dropped (its first record stays valid); after a newline it is a character.
  put(
    `${RAW}2023/04/06/17/firehose-1-2023-04-06-17-00-00-n.json`,
    `\uFEFF${line(fullRecord('after-bom', D + 17 * H))}\n\uFEFF${line(fullRecord('bom-mid-file', D + 17 * H))}\n`,
  );
  // A truncated gzip upload: one reject for the whole file.
  put(
    `${RAW}2023/04/07/05/firehose-1-2023-04-07-05-00-00-k.gz`,
    gzipSync(line(fullRecord('cut-gzip', D + MS_PER_DAY)).repeat(20)).subarray(0, 60),
  );
  // Hidden and temporary objects are not data; days outside rawDays are not read.
  put(`${RAW}2023/04/06/10/.firehose-tmp`, line(fullRecord('hidden', D + H)));
  put(`${RAW}2023/04/10/01/firehose-1-2023-04-10-01-00-00-l.json`, line(fullRecord('not-read', D + H)));
  // A stale file of an output day: whole-day replacement removes it.
  put('processed/access_records/year=2023/month=04/day=07/stale-from-older-run.parquet', 'not parquet');
}

/** Column name → DuckDB type of a Parquet table folder (partition columns excluded). */
async function columnTypes(table: string): Promise<[string, string][]> {
  const rows = await sql<{ column_name: string; column_type: string }>(
    `DESCRIBE SELECT * FROM read_parquet('${table}/*/*/*/*.parquet', hive_partitioning = false)`,
  );
  return rows.map((r) => [r.column_name, r.column_type]);
}

/**
 * Every row of a table folder, timestamps as UTC epoch microseconds (so TIMESTAMP and TIMESTAMPTZ
 * compare by instant), in a total order. `blank` columns are nulled where `blankWhere` holds.
 */
async function tableRows(table: string, blank = ''): Promise<Record<string, unknown>[]> {
  const types = await columnTypes(table);
  const cols = types.map(([name, type]) => {
    const c = `"${name}"`;
    if (type.startsWith('TIMESTAMP')) return `epoch_us(${c}) AS ${c}`;
    if (name === blank) return `CASE WHEN reason = 'invalid_json' THEN NULL ELSE ${c} END AS ${c}`;
    return c;
  });
  return sql(
    `SET TimeZone = 'UTC'; SELECT ${cols.join(', ')} FROM read_parquet('${table}/*/*/*/*.parquet', hive_partitioning = false) ORDER BY ALL`,
  );
}

/** A StepResult without its timing (and the DuckDB run's profile). */
const counts = ({ seconds: _seconds, ...rest }: StepResult & { profile?: unknown }) => {
  delete rest.profile;
  return rest;
};

async function runOnSpark(lake: string): Promise<StepResult> {
  const runner = new SparkSubmitStepRunner({ lakeDir: lake, projectRoot: projectRoot(), config: loadConfig() });
  // LaunchStep stores the spec first: a spec with its generated SQL is too long for a step argument.
  mkdirSync(dirname(join(lake, spec.specKey!)), { recursive: true });
  writeFileSync(join(lake, spec.specKey!), JSON.stringify(spec));
  const { stepId } = await runner.submit(spec);
  const deadline = Date.now() + SPARK_TIMEOUT_MS;
  for (;;) {
    const status = await runner.describe(stepId);
    if (status.state === 'COMPLETED') break;
    if (status.state === 'FAILED') throw new Error(`spark step failed: ${status.failureMessage}`);
    if (Date.now() > deadline) throw new Error(`spark step still ${status.state} after ${SPARK_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return JSON.parse(readFileSync(join(lake, spec.resultKey), 'utf8'));
}

describe('access_records on Spark (PySpark driver) and DuckDB', () => {
  const sparkLake = tmpLake('spark-parity');
  const duckLake = tmpLake('duck-parity');
  let sparkResult: StepResult;
  let duckResult: StepResult;

  beforeAll(async () => {
    writeRawInput(sparkLake);
    cpSync(sparkLake, duckLake, { recursive: true });

    [sparkResult, duckResult] = await Promise.all([
      runOnSpark(sparkLake),
      runStepInProcess(spec, { lakeDir: duckLake, projectRoot: projectRoot(), config: loadConfig() }),
    ]);
  }, SPARK_TIMEOUT_MS + 60_000);

  afterAll(() => {
    for (const lake of [sparkLake, duckLake]) rmSync(lake, { recursive: true, force: true });
  });

  it('gives the same StepResult counts per day and per reject reason', () => {
    expect(counts(sparkResult)).toEqual(counts(duckResult));
    expect(sparkResult.days.map((d) => d.status)).toEqual(['succeeded', 'succeeded']);
    expect(sparkResult.days.every((d) => d.duplicatesDropped > 0 && d.recordsOut > 0)).toBe(true);
    expect(Object.keys(sparkResult.rejectedByReason).sort()).toEqual([
      'bad_type',
      'invalid_json',
      'late',
      'missing_field',
      'truncated_gzip',
    ]);
  });

  it('writes the same partition folders, and no stale file survives in a replaced day', () => {
    for (const table of ['processed/access_records', 'rejected/access_records']) {
      expect(partitionFolders(join(sparkLake, table))).toEqual(partitionFolders(join(duckLake, table)));
    }
    expect(partitionFolders(join(sparkLake, 'processed/access_records'))).toEqual([
      'year=2023/month=04/day=06',
      'year=2023/month=04/day=07',
    ]);
    for (const lake of [sparkLake, duckLake]) {
      expect(
        existsSync(join(lake, 'processed/access_records/year=2023/month=04/day=07/stale-from-older-run.parquet')),
      ).toBe(false);
    }
  });

  it('writes the same columns, in order, with the same types', async () => {
    for (const table of ['processed/access_records', 'rejected/access_records']) {
      expect(await columnTypes(join(sparkLake, table))).toEqual(await columnTypes(join(duckLake, table)));
    }
  });

  it('writes timestamps the same way: Parquet TIMESTAMP(isAdjustedToUTC, MICROS), the same instants', async () => {
    const timestampOf = (lake: string) =>
      sql<{ logical_type: string }>(
        `SELECT DISTINCT logical_type FROM parquet_schema('${lake}/processed/access_records/*/*/*/*.parquet') WHERE name = 'timestamp'`,
      );
    const instants = (lake: string) =>
      sql<{ s: string; us: number }>(
        `SELECT session_id AS s, epoch_us("timestamp") AS us FROM read_parquet('${lake}/processed/access_records/*/*/*/*.parquet', hive_partitioning = false) ORDER BY ALL`,
      );

    const [onSpark, onDuck] = [await timestampOf(sparkLake), await timestampOf(duckLake)];

    expect(onSpark).toEqual(onDuck);
    expect(onSpark).toHaveLength(1);
    expect(onSpark[0].logical_type).toMatch(/isAdjustedToUTC=1, unit=TimeUnit\(MILLIS=<null>, MICROS=MicroSeconds\(\)/);
    expect(await instants(sparkLake)).toEqual(await instants(duckLake));
  });

  it('writes identical rows in every column (timestamps compared in UTC)', async () => {
    const spark = await tableRows(join(sparkLake, 'processed/access_records'));
    const duck = await tableRows(join(duckLake, 'processed/access_records'));

    expect(spark.length).toBeGreaterThan(vectors.length);
    expect(spark).toEqual(duck);
    // not-UTF-8 bytes inside strings became U+FFFD in both, and the records after binary noise survive
    const bySession = new Map(duck.map((r) => [r.session_id, r]));
    expect(bySession.get('utf8-in-string')?.user_agent).toBe('agent-\uFFFD\uFFFD');
    expect(bySession.has('utf8-\uFFFD')).toBe(true);
    expect(bySession.has('after-binary')).toBe(true);
    expect(bySession.has('after-bom')).toBe(true);
    expect(bySession.has('bom-mid-file')).toBe(false);
  });

  it('quarantines identical rejects (the invalid_json parser message is engine-specific)', async () => {
    const spark = await tableRows(join(sparkLake, 'rejected/access_records'), 'detail');
    const duck = await tableRows(join(duckLake, 'rejected/access_records'), 'detail');

    expect(spark).toEqual(duck);
  });

  it('reproduces every reference vector on Spark', async () => {
    const rows = await sql<Record<string, unknown>>(
      `SET TimeZone = 'UTC'; SELECT * FROM read_parquet('${sparkLake}/processed/access_records/*/*/*/*.parquet', hive_partitioning = false) WHERE session_id LIKE 'vec-%'`,
    );
    const bySession = new Map(rows.map((r) => [r.session_id as string, r]));
    const mismatches = vectors.flatMap((v, i) => {
      const got = bySession.get(`vec-${String(i).padStart(3, '0')}`)?.[v.field];
      // JSON.parse rounds 9223372036854775807 (sys.maxsize) to a double: compare such numbers as doubles.
      const unsafe = typeof v.expected === 'number' && !Number.isSafeInteger(v.expected);
      const same = unsafe
        ? Number(got) === v.expected
        : (got ?? null) === (v.expected === null ? null : String(v.expected));
      return same ? [] : [`${v.from}: ${v.field} = ${JSON.stringify(got)}, expected ${JSON.stringify(v.expected)}`];
    });

    expect(mismatches).toEqual([]);
  });
});
