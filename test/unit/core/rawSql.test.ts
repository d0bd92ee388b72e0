import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { loadConfig, parseConfig, type DatasetConfig } from '../../../src/config/config';
import { duckdbNdjsonClassifiedSql, rawReadSql, RECORD_FLAG } from '../../../src/core/rawSql';
import { sparkSyntaxErrors } from '../../helpers/sparkSyntax';

/** A json dataset `x` declaring every type, a nested path, a seconds timestamp and a bigint event time. */
function datasetX(overrides: Record<string, unknown> = {}): DatasetConfig {
  return parseConfig({
    datasets: {
      x: {
        raw: { prefix: 'raw/x/', format: 'json' },
        stage: 'spark/sql/x.sql',
        table: 'x',
        output: { a: 'string' },
        eventTime: 'ts',
        required: ['ts'],
        dedupKey: ['id'],
        columns: {
          ts: { type: 'bigint', path: 'timestamp' },
          id: { type: 'bigint', path: 'payload.id' },
          s: { type: 'string', path: 'payload.s' },
          d: 'double',
          b: 'boolean',
          at: 'timestamp',
          at2: { type: 'timestamp', unit: 's' },
        },
        ...overrides,
      },
    },
  }).datasets.x;
}

async function connect(): Promise<DuckDBConnection> {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  await connection.run(`SET TimeZone = 'UTC';
    CREATE TABLE raw_files AS SELECT 0 AS file_id, 'raw/x/2024/03/01/00/f' AS source_file, DATE '2024-03-01' AS arrival_day;
    CREATE TABLE splitter_rejects (f INTEGER, i BIGINT, reason VARCHAR, detail VARCHAR, t VARCHAR);
    CREATE TABLE run_days AS SELECT DATE '2024-03-01' AS day;
    CREATE TABLE raw_records (f INTEGER, i BIGINT, n TINYINT, t VARCHAR, r VARCHAR)`);
  return connection;
}

/** Classifies records (text, flags) of one file with the DuckDB dialect; rows by record index, as JSON. */
async function classify(
  dataset: DatasetConfig,
  records: (string | [string, number])[],
): Promise<Record<string, unknown>[]> {
  const connection = await connect();
  const appender = await connection.createAppender('raw_records');
  records.forEach((record, i) => {
    const [text, flags] = typeof record === 'string' ? [record, 0] : record;
    appender.appendInteger(0);
    appender.appendBigInt(BigInt(i));
    appender.appendTinyInt(flags);
    appender.appendVarchar(text);
    appender.appendNull();
    appender.endRow();
  });
  appender.closeSync();
  await connection.run(`CREATE TABLE classified AS ${rawReadSql(dataset, 'duckdb').classified}`);
  const rows = (
    await connection.runAndReadAll(
      'SELECT * EXCLUDE (_source_file, _arrival_day, _file_id) FROM classified ORDER BY _record_index',
    )
  ).getRowObjectsJson();
  connection.closeSync();
  return rows;
}

const TS = 1709251200000; // 2024-03-01T00:00:00Z
const marked = (number: string) => `"\\u0001${number}"`;

describe('rawReadSql (DuckDB dialect, run on DuckDB)', () => {
  it('casts leniently: bigint from integral numbers and digit strings, double from numeric strings, boolean in any case, timestamps ISO or epoch', async () => {
    const rows = await classify(datasetX(), [
      `{"timestamp":${TS},"payload":{"id":"104","s":12},"d":"1.5","b":true}`,
      [
        `{"timestamp":"${TS}","payload":{"id":${marked('104.0')},"s":${marked('12.50')}},"d":" 1e3 ","b":"TRUE","at":"2024-03-01T10:00:00.5+01:00","at2":1709251200}`,
        RECORD_FLAG.MARKED_NUMBERS,
      ],
      [
        `{"timestamp":${TS},"payload":{"id":${marked('1e3')},"s":"x"},"at":${marked('1709251200000.5')},"at2":" 1709251200 "}`,
        RECORD_FLAG.MARKED_NUMBERS,
      ],
      `{"timestamp":${TS},"payload":{"id":" -105 "},"at":"2024-03-01 23:59:59.1234567Z","b":"False"}`,
    ]);

    expect(rows.map(({ ts, id, s, d, b, at, at2, reason }) => ({ ts, id, s, d, b, at, at2, reason }))).toEqual([
      { ts: String(TS), id: '104', s: '12', d: 1.5, b: true, at: null, at2: null, reason: null },
      {
        ts: String(TS),
        id: '104',
        s: '12.50',
        d: 1000,
        b: true,
        at: '2024-03-01 09:00:00.5',
        at2: '2024-03-01 00:00:00',
        reason: null,
      },
      {
        ts: String(TS),
        id: '1000',
        s: 'x',
        d: null,
        b: null,
        at: '2024-03-01 00:00:00.0005',
        at2: '2024-03-01 00:00:00',
        reason: null,
      },
      {
        ts: String(TS),
        id: '-105',
        s: null,
        d: null,
        b: false,
        at: '2024-03-01 23:59:59.123456',
        at2: null,
        reason: null,
      },
    ]);
  });

  it.each([
    ['a fractional bigint', `"payload":{"id":${marked('104.5')}}`, 'id: expected bigint'],
    ['a bigint string with a fraction', `"payload":{"id":"104.0"}`, 'id: expected bigint'],
    ['a bigint past 64 bits', `"payload":{"id":9223372036854775808}`, 'id: expected bigint'],
    ['a boolean for a bigint', `"payload":{"id":true}`, 'id: expected bigint'],
    ['an object for a string', `"payload":{"s":{"x":1}}`, 's: expected string'],
    ['an array for a string', `"payload":{"s":[1]}`, 's: expected string'],
    ['a non-numeric string for a double', `"d":"1.5x"`, 'd: expected double'],
    ['NaN as a string for a double', `"d":"NaN"`, 'd: expected double'],
    ['a number for a boolean', `"b":1`, 'b: expected boolean'],
    ['"yes" for a boolean', `"b":"yes"`, 'b: expected boolean'],
    ['a date without a time', `"at":"2024-03-01"`, 'at: expected timestamp'],
    ['a date that does not exist', `"at":"2024-02-30T00:00:00Z"`, 'at: expected timestamp'],
    ['hour 24', `"at":"2024-03-01T24:00:00Z"`, 'at: expected timestamp'],
    ['a time past year 9999', `"at":253402300800000`, 'at: expected timestamp'],
  ])('quarantines %s as bad_type', async (_name, field, detail) => {
    const [row] = await classify(datasetX(), [`{"timestamp":${TS},${field}}`]);

    expect(row).toMatchObject({ reason: 'bad_type', detail });
  });

  it('reads NULL where a path crosses a value that is not an object, and where a value is JSON null', async () => {
    const rows = await classify(datasetX(), [
      `{"timestamp":${TS},"payload":"x","d":null}`,
      `{"timestamp":${TS},"payload":[1]}`,
    ]);

    expect(rows.map((r) => [r.id, r.s, r.d, r.reason])).toEqual([
      [null, null, null, null],
      [null, null, null, null],
    ]);
  });

  it('gives the first reason that holds, with its detail and the raw text as written (marks removed)', async () => {
    const rows = await classify(datasetX(), [
      '{"timestamp":01}',
      ['[1,2]', RECORD_FLAG.UNBALANCED],
      ['{"timestamp":1,}', RECORD_FLAG.LENIENT],
      '{"payload":{"id":"x"}}',
      [`{"timestamp":${TS},"payload":{"id":"x"},"d":${marked('2.50')}}`, RECORD_FLAG.MARKED_NUMBERS],
      `{"timestamp":-1}`,
      `{"timestamp":${TS + 2 * 86_400_000}}`,
    ]);

    expect(rows.map(({ reason, detail, event_day, raw_text }) => ({ reason, detail, event_day, raw_text }))).toEqual([
      { reason: 'invalid_json', detail: 'malformed JSON object', event_day: null, raw_text: '{"timestamp":01}' },
      { reason: 'invalid_json', detail: 'not a JSON object', event_day: null, raw_text: '[1,2]' },
      { reason: 'invalid_json', detail: 'malformed JSON object', event_day: null, raw_text: '{"timestamp":1,}' },
      { reason: 'missing_field', detail: 'ts', event_day: null, raw_text: '{"payload":{"id":"x"}}' },
      {
        reason: 'bad_type',
        detail: 'id: expected bigint',
        event_day: null,
        raw_text: `{"timestamp":${TS},"payload":{"id":"x"},"d":2.50}`,
      },
      {
        reason: 'bad_type',
        detail: 'ts: expected epoch ms in years 1970…9999',
        event_day: null,
        raw_text: '{"timestamp":-1}',
      },
      {
        reason: 'late',
        detail: 'arrival 2024-03-01, event 2024-03-03',
        event_day: '2024-03-03',
        raw_text: `{"timestamp":${TS + 2 * 86_400_000}}`,
      },
    ]);
  });

  it('takes a timestamp column as the event time (UTC day), and refuses one before 1970', async () => {
    const dataset = datasetX({ eventTime: 'at', required: ['at'] });

    const rows = await classify(dataset, ['{"at":"2024-03-01T23:30:00-01:00"}', '{"at":"1969-12-31T23:59:59Z"}']);

    expect(rows.map(({ _event_day, reason, detail }) => ({ _event_day, reason, detail }))).toEqual([
      { _event_day: '2024-03-02', reason: null, detail: null },
      { _event_day: null, reason: 'bad_type', detail: 'at: expected a time in years 1970…9999' },
    ]);
  });

  it('counts records by arrival day, valid records and distinct keys by event day, rejects by reason, splitter rejects included', async () => {
    const connection = await connect();
    const sql = rawReadSql(datasetX(), 'duckdb');
    await connection.run(`INSERT INTO raw_records VALUES
      (0, 0, 0, '{"timestamp":${TS},"payload":{"id":1}}', NULL), (0, 1, 0, '{"timestamp":${TS},"payload":{"id":1}}', NULL),
      (0, 2, 0, '{"timestamp":${TS},"payload":{"id":2}}', NULL), (0, 3, 0, '{"x":1}', 'x=1');
      INSERT INTO splitter_rejects VALUES (0, 4, 'too_large', '70000000 bytes, over maxRecordBytes 67108864', '{"a":')`);
    await connection.run(`CREATE TABLE classified AS ${sql.classified}`);
    await connection.run(`CREATE TABLE rejects AS ${sql.rejects}`);
    const read = async (q: string) => (await connection.runAndReadAll(q)).getRowObjectsJson();

    expect(await read(sql.recordsByArrivalDay)).toEqual([{ arrival_day: '2024-03-01', records: '5' }]);
    expect(await read(sql.eventDayCounts)).toEqual([{ day: '2024-03-01', records_in: '3', distinct_keys: '2' }]);
    expect(await read(`${sql.rejectCounts} ORDER BY reason`)).toEqual([
      { arrival_day: '2024-03-01', reason: 'missing_field', records: '1' },
      { arrival_day: '2024-03-01', reason: 'too_large', records: '1' },
    ]);
    expect(await read(`SELECT count(*)::INT AS n FROM (${sql.rawView})`)).toEqual([{ n: 3 }]);
    expect(await read(`SELECT raw_text FROM rejects WHERE reason = 'missing_field'`)).toEqual([{ raw_text: 'x=1' }]);
    connection.closeSync();
  });
});

describe('duckdbNdjsonClassifiedSql', () => {
  it('declares the nested struct to read_json (no sampling) and keeps the injected file id and index', () => {
    const sql = duckdbNdjsonClassifiedSql(datasetX(), {
      paths: ['/s/f0.json'],
      fileField: '__f',
      indexField: '__i',
      maxObjectBytes: 1 << 20,
    });

    expect(sql).toContain(`'payload': 'STRUCT("id" JSON, "s" JSON)'`);
    expect(sql).toContain(`"__f" AS f, "__i" AS i`);
  });
});

describe('rawReadSql (Spark dialect)', () => {
  const config = loadConfig();
  const datasets: Record<string, DatasetConfig> = { ...config.datasets, every_type: datasetX() };
  let errors: Record<string, string[]>;

  beforeAll(() => {
    const texts: Record<string, string> = {};
    for (const [name, dataset] of Object.entries(datasets)) {
      const { dialect: _d, rawViewName: _n, ...statements } = rawReadSql(dataset, 'spark');
      for (const [statement, text] of Object.entries(statements)) texts[`${name}.${statement}`] = text;
    }
    errors = sparkSyntaxErrors(texts);
  });

  it('is Spark SQL, every statement of every shipped dataset and of one declaring every type', () => {
    expect(Object.keys(errors).length).toBe(Object.keys(datasets).length * 6);
    expect(Object.entries(errors).filter(([, e]) => e.length > 0)).toEqual([]);
  });

  it('parses each record once with strict options, leaves STRING', () => {
    const sql = rawReadSql(datasetX(), 'spark').classified;

    expect(sql).toContain(
      "from_json(t, '`timestamp` STRING, `payload` STRUCT<`id`: STRING, `s`: STRING>, `d` STRING, `b` STRING, `at` STRING, `at2` STRING, `__lakestep_corrupt` STRING'",
    );
    expect(sql).toContain("'allowNonNumericNumbers', 'false'");
    expect(sql).toContain("'allowSingleQuotes', 'false'");
  });
});
