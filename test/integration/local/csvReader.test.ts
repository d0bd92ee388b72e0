/**
 * Raw CSV on the DuckDB engine (docs/raw-records.md "CSV"): records as Python's strict csv reader
 * splits them, malformed files included — a broken dump is quarantined record by record, never a
 * failed step. (The shared vectors, spec/vectors/raw-records/, hold the cases both engines run.)
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadConfig } from '../../../src/config/config';
import { csvFileRecords } from '../../../src/local/duckdb/csvReader';
import { loadRawDays } from '../../../src/local/duckdb/rawReader';
import { tmpLake } from '../../helpers/lake';

const dataset = loadConfig().datasets.node_snapshots;
const DAY = '2024-03-05';
const HEADER = 'ID,PROJECT_ID,NODE_TYPE,TIMESTAMP';

/** Deterministic bytes of every value (quotes, CR, NUL, invalid UTF-8 included). */
function junk(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    bytes[i] = x >> 16;
  }
  return bytes;
}

const gzip = (text: string) => gzipSync(Buffer.from(text));
const FILES: Record<string, Buffer> = {
  'a-good.csv.gz': gzip(
    `${HEADER}\r\n1,10,file,1709632800000\r\n2,10,"a,b",1709632800000\r\n3,10,"say ""hi""",1\r\n4,10,"two\nlines",2\r\n`,
  ),
  'b-unclosed-quote.csv': Buffer.from(`${HEADER}\n5,10,file,3\n6,10,"file,3\n7,10,x,6\n`),
  'c-text-after-closing-quote.csv': Buffer.from(`${HEADER}\n8,10,"file"x,3\n9,10,x,6\n`),
  'd-quote-inside-a-field.csv': Buffer.from(`${HEADER}\n10,10,fi"le,3\n`),
  'e-binary-junk.csv': Buffer.concat([Buffer.from(`${HEADER}\n`), junk(3000, 7)]),
  'f-bom.csv': Buffer.from(`\uFEFF${HEADER}\n11,10,file,3\n`),
  'g-carriage-return-in-a-field.csv': Buffer.from(`${HEADER}\n12,10,a\rb,3\n13,10,x,3\n`),
  'h-broken-header.csv': Buffer.from(`"ID,PROJECT_ID\n14,10,x,3\n`),
  'i-repeated-header-name.csv': Buffer.from(`${HEADER},ID\n15,10,x,3,99\n`),
  'j-field-over-the-limit.csv': Buffer.from(`${HEADER}\n16,10,"${'a'.repeat(140_000)}",3\n17,10,x,3\n`),
  'k-counts-blanks-and-types.csv': Buffer.from(
    `${HEADER}\n\n18,10,x\n19,10,x,3,extra\n,10,x,3\n20,10,x,1.5\n21,10,x,-3\n\n`,
  ),
  'l-truncated.csv.gz': gzip(`${HEADER}\n22,10,x,3\n`.repeat(50)).subarray(0, 40),
  'm-empty.csv': Buffer.alloc(0),
  'n-header-only.csv': Buffer.from(`${HEADER}`),
  // the field limit counts code points, as Python does (an emoji is two UTF-16 units in JavaScript)
  'p-astral-at-the-limit.csv': Buffer.from(`${HEADER}\n24,10,${'\u{1F600}'.repeat(131_072)},3\n`),
  'q-astral-over-the-limit.csv': Buffer.from(`${HEADER}\n25,10,${'\u{1F600}'.repeat(131_073)},3\n26,10,x,3\n`),
  'o-invalid-utf8.csv': Buffer.concat([
    Buffer.from(`${HEADER}\n23,10,`),
    Buffer.from([0xff, 0xc3]),
    Buffer.from(',3\n'),
  ]),
};
const keyOf = (name: string) => `raw/node_snapshots/year=2024/month=03/day=05/${name}`;

type Row = [file: string, index: number, ...values: unknown[]];
type Reject = [file: string, index: number, reason: string, detail: string, rawText: string];

async function duckDbEngine(lake: string): Promise<{ rows: Row[]; rejects: Reject[] }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await loadRawDays(connection, { lakeDir: lake, dataset, rawDays: [DAY], stagingDir: join(lake, '_tmp') });
    const columns = Object.keys(dataset.columns)
      .map((c) => `"${c}"::VARCHAR`)
      .join(', ');
    const rows = (
      await connection.runAndReadAll(
        `SELECT _source_file, _record_index::INTEGER, ${columns} FROM raw_node_snapshots ORDER BY ALL`,
      )
    ).getRowsJson() as Row[];
    const rejects = (
      await connection.runAndReadAll(
        'SELECT source_file, record_index::INTEGER, reason, detail, raw_text FROM rejects ORDER BY ALL',
      )
    ).getRowsJson() as Reject[];
    return { rows, rejects };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('raw CSV on DuckDB', () => {
  const lake = tmpLake('csv');
  let duckdb: { rows: Row[]; rejects: Reject[] };

  beforeAll(async () => {
    for (const [name, bytes] of Object.entries(FILES)) {
      const path = join(lake, keyOf(name));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, bytes);
    }
    duckdb = await duckDbEngine(lake);
  });
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it('quarantines a malformed record and reads on: an unclosed quote takes the rest of its file', () => {
    const of = (name: string) => duckdb.rejects.filter((r) => r[0] === keyOf(name));

    expect(of('b-unclosed-quote.csv')).toEqual([
      [keyOf('b-unclosed-quote.csv'), 1, 'invalid_csv', 'unexpected end of data', '6,10,"file,3\n7,10,x,6'],
    ]);
    expect(of('c-text-after-closing-quote.csv')).toEqual([
      [keyOf('c-text-after-closing-quote.csv'), 0, 'invalid_csv', `',' expected after '"'`, '8,10,"file"x,3'],
    ]);
    expect(of('h-broken-header.csv')).toEqual([
      [keyOf('h-broken-header.csv'), 0, 'invalid_csv', 'header: unexpected end of data', '"ID,PROJECT_ID\n14,10,x,3'],
    ]);
    expect(of('j-field-over-the-limit.csv').map((r) => r.slice(1, 4))).toEqual([
      [0, 'invalid_csv', 'field larger than field limit (131072)'],
    ]);
    expect(of('k-counts-blanks-and-types.csv').map((r) => r.slice(1, 4))).toEqual([
      [0, 'invalid_csv', 'expected 4 fields, got 3'],
      [1, 'invalid_csv', 'expected 4 fields, got 5'],
      [2, 'missing_field', 'ID'],
      [3, 'bad_type', 'TIMESTAMP: expected bigint'],
    ]);
    expect(of('l-truncated.csv.gz').map((r) => r.slice(1, 4))).toEqual([[0, 'truncated_gzip', '40']]);
    expect(duckdb.rejects.filter((r) => r[0] === keyOf('e-binary-junk.csv')).length).toBeGreaterThan(0);
    // what parsed is loaded, with its index in the file
    const ids = (name: string) => duckdb.rows.filter((r) => r[0] === keyOf(name)).map((r) => [r[1], r[2]]);
    expect(ids('a-good.csv.gz')).toEqual([
      [0, '1'],
      [1, '2'],
      [2, '3'],
      [3, '4'],
    ]);
    expect(ids('b-unclosed-quote.csv')).toEqual([[0, '5']]);
    expect(ids('c-text-after-closing-quote.csv')).toEqual([[1, '9']]);
    expect(ids('d-quote-inside-a-field.csv')).toEqual([[0, '10']]);
    expect(ids('f-bom.csv')).toEqual([[0, '11']]);
    expect(ids('i-repeated-header-name.csv')).toEqual([[0, '15']]);
    expect(ids('j-field-over-the-limit.csv')).toEqual([[1, '17']]);
    expect(ids('k-counts-blanks-and-types.csv')).toEqual([[4, '21']]);
    expect(ids('p-astral-at-the-limit.csv')).toEqual([[0, '24']]);
    expect(ids('q-astral-over-the-limit.csv')).toEqual([[1, '26']]);
  });

  it('finds columns by header name, leaves a column the header lacks NULL, and skips a repeated header', () => {
    const columns = loadConfig().datasets.node_snapshots.columns;

    const read = csvFileRecords(
      'ID,PROJECT_ID,TIMESTAMP\n1,10,5\nID,PROJECT_ID,TIMESTAMP\n2,,6\n',
      { delimiter: ',', header: true },
      columns,
    );

    expect(read).toEqual({
      records: [
        { index: 0, json: '{"ID":"1","PROJECT_ID":"10","TIMESTAMP":"5"}', raw: '1,10,5' },
        { index: 1, json: '{"ID":"2","TIMESTAMP":"6"}', raw: '2,,6' },
      ],
      rejects: [],
      repeatedHeaders: 1,
    });
  });

  it('reads headerless TSV by position, a short record leaving its missing fields NULL', () => {
    const columns = {
      app: { type: 'string' as const, path: 'app', position: 0, unit: 'ms' as const },
      at: { type: 'timestamp' as const, path: 'at', position: 2, unit: 'ms' as const },
    };

    const read = csvFileRecords('web\tx\t2024-03-01 10:00:00\nmob\n', { delimiter: '\t', header: false }, columns);

    expect(read.records.map((r) => r.json)).toEqual(['{"app":"web","at":"2024-03-01 10:00:00"}', '{"app":"mob"}']);
  });
});
