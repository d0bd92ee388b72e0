// The stage must not depend on the machine's zone: DuckDB's session zone follows TZ unless the prelude pins
// it, so the whole file runs with a zone far from UTC (set before any DuckDB instance exists).
process.env.TZ = 'Pacific/Kiritimati';

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { projectRoot } from '../../../src/config/config';
import { runStage } from '../../../src/local/duckdb/stage';
import { createTable, rawColumns, useStage } from '../../helpers/stageHarness';

const STAGE_PATH = resolve(projectRoot(), 'spark/sql/access_records.sql');
const VECTORS_PATH = '/work/shared/peer/synapse-reference-vectors.json';

/** 2023-04-06T05:19:27.496Z, the day of the reference's own record_date vector. */
const DEFAULT_TS = 1680758367496;
const DAY_MS = 86_400_000;

type RawRecord = Record<string, string | number | boolean | null>;
interface Vector {
  field: string;
  input: RawRecord;
  expected: string | number | null;
  from: string;
}

/** The reference vectors; integers past 2^53 are kept as text (JSON.parse would round them). */
function loadVectors(): Vector[] {
  const text = readFileSync(VECTORS_PATH, 'utf8').replace(/("expected":\s*)(-?\d{16,})/g, '$1"$2"');
  return JSON.parse(text) as Vector[];
}

const stage = useStage(STAGE_PATH);

/**
 * Creates `raw_access_records` (every declared column, typed per docs/stage-contract.md, plus the engine's
 * `_source_file`, `_record_index`, `_arrival_day`) holding `records`, and `run_days` holding `days`.
 * Unset fields are NULL; sessionId/timestamp default to 's-1'/DEFAULT_TS, _arrival_day to the event day.
 */
async function createInputs(records: RawRecord[], days: string[]): Promise<void> {
  const rows = records.map((record, index) => {
    const timestamp = (record.timestamp as number | undefined) ?? DEFAULT_TS;
    return {
      sessionId: 's-1',
      _source_file: 'raw/access_records/f.json',
      _record_index: index,
      _arrival_day: new Date(timestamp).toISOString().slice(0, 10),
      ...record,
      timestamp,
    };
  });
  await createTable(stage.connection, 'raw_access_records', rawColumns('access_records'), rows);
  await createTable(
    stage.connection,
    'run_days',
    { day: 'DATE' },
    days.map((day) => ({ day })),
  );
}

/** Runs the real stage file through the prelude; every output column comes back as text (or null). */
async function runAccessRecords(
  records: RawRecord[],
  days = [utcDay(DEFAULT_TS)],
): Promise<Record<string, string | null>[]> {
  await createInputs(records, days);
  await runStage(stage.connection, stage.stageSql);
  const reader = await stage.connection.runAndReadAll(
    `SELECT COLUMNS(*)::VARCHAR FROM stage_output ORDER BY session_id, timestamp, method NULLS FIRST, request_url NULLS FIRST`,
  );
  return reader.getRowObjectsJson() as Record<string, string | null>[];
}

/** The single output row's `field` for one raw record. */
async function derive(field: string, record: RawRecord): Promise<string | null> {
  const rows = await runAccessRecords([record], [utcDay((record.timestamp as number | undefined) ?? DEFAULT_TS)]);
  expect(rows).toHaveLength(1);
  return rows[0][field];
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('access_records stage: reference vectors', () => {
  const vectors = loadVectors();

  it('has the whole reference table', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(86);
  });

  test.each(vectors.map((v) => [`${v.field} ${v.from}`, v] as const))('%s', async (_name, vector) => {
    const value = await derive(vector.field, vector.input);

    expect(value).toBe(vector.expected === null ? null : String(vector.expected));
  });
});

describe('access_records stage: output shape', () => {
  it('returns the contract columns, in order, with their types', async () => {
    await createInputs([{ userAgent: 'x' }], [utcDay(DEFAULT_TS)]);
    await runStage(stage.connection, stage.stageSql, 'shape_check');

    const described = (await stage.connection.runAndReadAll('DESCRIBE shape_check')).getRowObjectsJson();

    expect(described.map((c) => `${c.column_name} ${c.column_type}`)).toEqual([
      'session_id VARCHAR',
      'timestamp TIMESTAMP',
      'user_id BIGINT',
      'method VARCHAR',
      'request_url VARCHAR',
      'user_agent VARCHAR',
      'host VARCHAR',
      'origin VARCHAR',
      'via VARCHAR',
      'response_status BIGINT',
      'success BOOLEAN',
      'stack VARCHAR',
      'instance VARCHAR',
      'elapse_ms BIGINT',
      'thread_id BIGINT',
      'vm_id VARCHAR',
      'query_string VARCHAR',
      'x_forwarded_for VARCHAR',
      'return_object_id VARCHAR',
      'oauth_client_id VARCHAR',
      'basic_auth_username VARCHAR',
      'auth_method VARCHAR',
      'client VARCHAR',
      'client_version VARCHAR',
      'entity_id BIGINT',
      'normalized_method_signature VARCHAR',
      'record_date DATE',
    ]);
  });

  it('passes the plain fields through under their snake_case names', async () => {
    const record: RawRecord = {
      sessionId: 'abc',
      userId: 42,
      method: 'POST',
      requestURL: '/repo/v1/entity',
      userAgent: 'ua',
      host: 'h',
      origin: 'o',
      via: 'v',
      responseStatus: 201,
      success: true,
      stack: 'prod',
      elapseMS: 17,
      threadId: 9,
      vmId: 'vm',
      queryString: 'q=1',
      xforwardedFor: '10.0.0.1',
      returnObjectId: 'r',
      oauthClientId: 'c',
      basicAuthUsername: 'b',
      authenticationMethod: 'BEARER',
    };

    const [row] = await runAccessRecords([record]);

    expect(row).toMatchObject({
      session_id: 'abc',
      user_id: '42',
      method: 'POST',
      request_url: '/repo/v1/entity',
      user_agent: 'ua',
      host: 'h',
      origin: 'o',
      via: 'v',
      response_status: '201',
      success: 'true',
      stack: 'prod',
      elapse_ms: '17',
      thread_id: '9',
      vm_id: 'vm',
      query_string: 'q=1',
      x_forwarded_for: '10.0.0.1',
      return_object_id: 'r',
      oauth_client_id: 'c',
      basic_auth_username: 'b',
      auth_method: 'BEARER',
    });
  });
});

describe('access_records stage: client', () => {
  test.each([
    ['no user agent', null, 'UNKNOWN'],
    ['empty user agent', '', 'UNKNOWN'],
    ['web before java (web calls go through the java client)', 'Synapse-Java-Client/1 Synapse-Web-Client/2', 'WEB'],
    ['a browser name before java', 'Synapse-Java-Client/431.0 firefox', 'WEB'],
    ['a browser name in any case, inside another word', 'xxSuPeRcHrOmEdxx', 'WEB'],
    ['a browser name anywhere', 'curl (compatible; Safari-ish)', 'WEB'],
    ['İ matches i in a browser name, as Python (?i) does', 'MOZİLLA', 'WEB'],
    ['ı matches i, as Python (?i) does', 'mozılla', 'WEB'],
    ['ſ matches s, as Python (?i) does', 'ſafari', 'WEB'],
    ['java before the old misspelling', 'Synapse-Java-Client/1 Synpase-Java-Client/2', 'JAVA'],
    ['the old misspelling before synapser', 'Synpase-Java-Client/434.0 synapser/1', 'JAVA'],
    ['synapser before synapseRClient', 'synapseRClient/1 synapser/2', 'SYNAPSER'],
    ['synapseRClient before the command line client', 'synapsecommandlineclient/1 synapseRClient/2', 'R'],
    [
      'command line before python (its agent names both)',
      'synapsecommandlineclient synapseclient/2.7.2 Python/3.9',
      'COMMAND_LINE',
    ],
    ['python before ELB', 'ELB-HealthChecker/2.0 synapseclient/4.0', 'PYTHON'],
    ['ELB before stack', 'SynapseRepositoryStack/1 ELB-HealthChecker/2.0', 'ELB_HEALTHCHECKER'],
    ['stack', 'SynapseRepositoryStack/432', 'STACK'],
    ['tokens are case-sensitive', 'SYNAPSECLIENT/1 synapse-web-client/2', 'UNKNOWN'],
    ['anything else', 'curl/8.0', 'UNKNOWN'],
  ])('%s', async (_name, userAgent, expected) => {
    expect(await derive('client', { userAgent })).toBe(expected);
  });
});

describe('access_records stage: client_version', () => {
  test.each([
    ['browser name at the start, any case', 'MOZILLA/5.0 (X11)', '5.0'],
    ['browser name at the start, lower case', 'safari/605.1.15 x', '605.1.15'],
    ['browser name at the start with İ', 'MOZİLLA/5.0', '5.0'],
    ['browser name not at the start: none', 'Foo Mozilla/5.0', null],
    ['web client with a browser name not at the start: none', 'Synapse-Web-Client/12 Mozilla/5.0', null],
    ['web client without a browser name', 'Synapse-Java-Client/431.0 Synapse-Web-Client/435.0 x', '435.0'],
    ['browser name then whitespace: none', 'Mozilla/ 5.0', null],
    ['ends at a tab', 'Chrome/1.2\t3', '1.2'],
    ['ends at Unicode whitespace (NBSP), as Python \\S', 'synapseclient/2.1\u00a0x', '2.1'],
    [
      'java: misspelled token when the agent starts with Synpase',
      'Synpase-Java-Client/434.0 Synapse-Java-Client/431.0',
      '434.0',
    ],
    ['java: misspelled token not at the start is not looked for', 'x Synpase-Java-Client/434.0', null],
    ['java: the usual token', 'Synapse-Java-Client/431.0', '431.0'],
    [
      'synapser: runs to the next whitespace',
      'synapser/0.15.33synapseclient/2.7.0 python-requests/2.28.2',
      '0.15.33synapseclient/2.7.0',
    ],
    ['R', 'synapseRClient/0.9 R/4', '0.9'],
    ['command line: has none in its usual agent', 'synapsecommandlineclient synapseclient/2.7.2 Python/3.9', null],
    ['command line with a version', 'synapsecommandlineclient/3.1', '3.1'],
    ['python: the token anywhere', 'python/synapseclient/test', 'test'],
    [
      'python: the first token/ followed by a non-whitespace (reference regex search)',
      'synapseclient/ synapseclient/3.0',
      '3.0',
    ],
    ['ELB', 'ELB-HealthChecker/2.0', '2.0'],
    ['stack', 'test/SynapseRepositoryStack/432', '432'],
    ['unknown: none', 'curl/8.0', null],
    ['no user agent: none', null, null],
  ])('%s', async (_name, userAgent, expected) => {
    expect(await derive('client_version', { userAgent })).toBe(expected);
  });
});

describe('access_records stage: entity_id', () => {
  test.each([
    ['syn id with a version, any case', '/entity/SYN123.1/file', '123'],
    ['the first /entity/ followed by digits', '/repo/v1/entity/foo/entity/42', '42'],
    ['upper-case path', '/repo/v1/ENTITY/7/bundle', '7'],
    ['2^63-1 fits', '/repo/v1/entity/syn9223372036854775807', '9223372036854775807'],
    ['2^63 does not fit', '/repo/v1/entity/syn9223372036854775808', null],
    ['leading zeros do not count towards overflow', '/repo/v1/entity/0009223372036854775807', '9223372036854775807'],
    ['syn without digits', '/repo/v1/entity/synabc', null],
    ['the raw URL is not percent-decoded', '/repo/v1/entity/%31', null],
    ['empty URL', '', null],
  ])('%s', async (_name, requestURL, expected) => {
    expect(await derive('entity_id', { requestURL })).toBe(expected);
  });
});

describe('access_records stage: normalized_method_signature', () => {
  test.each([
    // the three examples
    ['GET', '/repo/v1/entity/syn123/version/3', 'GET /entity/#/version/#'],
    ['GET', '/repo/v1/team/3409011)', 'GET /team/#'],
    ['POST', '/repo/v1/entity/syn9%0A/bundle2', 'POST /entity/#/bundle2'],
    // each branch, in order
    ['GET', '/repo/v1/entity/md5x', 'GET /entity/md5/#'],
    ['GET', '/repo/v1/evaluation/nameless', 'GET /evaluation/name/#'],
    ['GET', '/repo/v1/entity/aliases/x', 'GET /entity/alias/#'],
    ['GET', '/auth/v1/2FA/Enroll%20Now;x=1', 'GET /2fa/enrollnow;x=1'],
    ['GET', '/repo/v1/user/bundle/syn1', 'GET /user/bundle'],
    ['GET', '/repo/v1/entity/md5/access/1', 'GET /entity/md5/#'],
    ['GET', '/repo/v1/x/access/y', 'GET /objects/#/access/#'],
    ['GET', '/repo/v1/a/schema/type/registered/x', 'GET /schema/type/registered/#'],
    ['GET', '/repo/v1/schema/type/registered', 'GET /schema/type/registered'],
    // general branch details
    ['GET', '/repo/v1/entity/syn1/syn2/3/4a/5', 'GET /entity/#/#/#/#/#'],
    ['GET', '/repo/v1/entity/syn12_3/fh12/fh/synx/a1', 'GET /entity/syn12_3/#/fh/synx/a1'],
    ['GET', '/repo/v1/entity/syn1/', 'GET /entity/#/'],
    ['GET', '/repo/v1/entity//x//', 'GET /entity//x//'],
    ['GET', '/repo/v1/', 'GET /'],
    ['GET', '/repo/v1/entity/%C3%A9t%C3%A9', 'GET /entity/été'],
    ['GET', '/repo/v1/team/%D9%A1%D9%A2', 'GET /team/#'],
    ['PUT', '/repo/v1/entity/syn1;jsessionid=2/acl', 'PUT /entity/#/acl'],
    // decoding: whitespace, '+', stray '%', invalid UTF-8, decoded capitals
    ['GET', '/repo/v%201/entity/syn1', 'GET /entity/#'],
    ['GET', '/auth/v1/2fa/a%C2%A0b%E3%80%80c', 'GET /2fa/abc'],
    ['GET', '/auth/v1/2fa/a+b', 'GET /2fa/a+b'],
    ['GET', '/auth/v1/2fa/a+b%20c', 'GET /2fa/a+bc'],
    ['GET', '/auth/v1/2fa/a%zz%4', 'GET /2fa/a%zz%4'],
    ['GET', '/auth/v1/2fa/%%41%', 'GET /2fa/%A%'],
    ['GET', '/auth/v1/2fa/%ff%e0%a0%41', 'GET /2fa/\ufffd\ufffdA'],
    ['GET', '/auth/v1/2fa/%ed%a0%80%f0%90%80', 'GET /2fa/\ufffd\ufffd\ufffd\ufffd'],
    ['GET', '/auth/v1/2fa/%f0%9f%98%80', 'GET /2fa/\u{1F600}'],
    ['GET', '/auth/v1/2fa/İ', 'GET /2fa/i\u0307'],
    // invalid
    ['GET', '/repo/entity/syn1', 'GET INVALID URL'],
    ['GET', '', 'GET INVALID URL'],
    ['GET', null, 'GET INVALID URL'],
    [null, '/repo/v1/entity/syn1', null],
  ])('%s %s', async (method, requestURL, expected) => {
    expect(await derive('normalized_method_signature', { method, requestURL })).toBe(expected);
  });
});

describe('access_records stage: instance, timestamp, record_date', () => {
  test.each([
    ['000000503', '503'],
    ['0000002360', '2360'],
    ['10', '10'],
    ['000', ''],
    [null, null],
  ])('instance %p → %p', async (instanceValue, expected) => {
    expect(await derive('instance', { instance: instanceValue })).toBe(expected);
  });

  test.each([
    [0, '1970-01-01 00:00:00', '1970-01-01'],
    [1680825599999, '2023-04-06 23:59:59.999', '2023-04-06'],
    [1680825600000, '2023-04-07 00:00:00', '2023-04-07'],
  ])('timestamp %p is %p UTC on %p, whatever TZ says', async (timestamp, expectedTs, expectedDay) => {
    const [row] = await runAccessRecords([{ timestamp }], [utcDay(timestamp)]);

    expect([row.timestamp, row.record_date]).toEqual([expectedTs, expectedDay]);
  });
});

describe('access_records stage: dedup and run_days', () => {
  const day = utcDay(DEFAULT_TS);
  const dayBefore = utcDay(DEFAULT_TS - DAY_MS);
  const dayAfter = utcDay(DEFAULT_TS + DAY_MS);
  const copy = (host: string, _arrival_day: string, _source_file: string, _record_index: number): RawRecord => ({
    sessionId: 's',
    method: 'GET',
    requestURL: '/repo/v1/entity/syn1',
    host,
    _arrival_day,
    _source_file,
    _record_index,
  });

  it('keeps one copy, the one of the smallest arrival day, across consecutive arrival days', async () => {
    const rows = await runAccessRecords([
      copy('after', dayAfter, 'raw/a/1.json', 0),
      copy('before', dayBefore, 'raw/z/9.json', 5),
      copy('same', day, 'raw/a/0.json', 0),
    ]);

    expect(rows.map((r) => r.host)).toEqual(['before']);
  });

  it('breaks arrival-day ties by source file, then record index', async () => {
    const rows = await runAccessRecords([
      copy('b-file', day, 'raw/b.json', 0),
      copy('a-file-3', day, 'raw/a.json', 3),
      copy('a-file-1', day, 'raw/a.json', 1),
    ]);

    expect(rows.map((r) => r.host)).toEqual(['a-file-1']);
  });

  it('treats NULL method and URL as equal for the key, and NULL as distinct from a value', async () => {
    const rows = await runAccessRecords([
      { sessionId: 's', method: null, requestURL: null, host: 'n1', _record_index: 0 },
      { sessionId: 's', method: null, requestURL: null, host: 'n2', _record_index: 1 },
      { sessionId: 's', method: 'GET', requestURL: null, host: 'g1', _record_index: 2 },
      { sessionId: 's', method: 'GET', requestURL: null, host: 'g2', _record_index: 3 },
      { sessionId: 's', method: null, requestURL: '/u', host: 'u1', _record_index: 4 },
    ]);

    expect(rows.map((r) => r.host).sort()).toEqual(['g1', 'n1', 'u1']);
  });

  it('keeps records that differ in any key field', async () => {
    const rows = await runAccessRecords([
      { sessionId: 's', method: 'GET', requestURL: '/u' },
      { sessionId: 't', method: 'GET', requestURL: '/u' },
      { sessionId: 's', method: 'PUT', requestURL: '/u' },
      { sessionId: 's', method: 'GET', requestURL: '/v' },
      { sessionId: 's', method: 'GET', requestURL: '/u', timestamp: DEFAULT_TS + 1 },
    ]);

    expect(rows).toHaveLength(5);
  });

  it('returns only the run days, each record on its UTC event day', async () => {
    const records = [DEFAULT_TS - DAY_MS, DEFAULT_TS, DEFAULT_TS + DAY_MS].map((timestamp) => ({
      timestamp,
      _arrival_day: day,
    }));

    const oneDay = await runAccessRecords(records, [day]);
    const twoDays = await runAccessRecords(records, [day, dayAfter]);
    const noDay = await runAccessRecords(records, []);

    expect(oneDay.map((r) => r.record_date)).toEqual([day]);
    expect(twoDays.map((r) => r.record_date)).toEqual([day, dayAfter]);
    expect(noDay).toEqual([]);
    expect(dayBefore < day).toBe(true);
  });
});
