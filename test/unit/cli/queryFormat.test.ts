import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryText } from '../../../src/cli/queryCommand';
import { formatRows } from '../../../src/cli/queryFormat';

const columns = ['client', 'n', 'share', 'tags'];
const rows = [
  { client: 'python, "v2"', n: 48210, share: 0.123456789, tags: { os: 'linux', ids: [1, 2] } },
  { client: 'web', n: 7, share: null, tags: null },
];

describe('formatRows', () => {
  it('aligns a table: numbers right, floats rounded, NULL for null, structs as JSON', () => {
    const text = formatRows(columns, rows, 'table');

    expect(text).toBe(
      [
        'client            n   share  tags',
        '------------  -----  ------  --------------------------',
        'python, "v2"  48210  0.1235  {"os":"linux","ids":[1,2]}',
        'web               7    NULL  NULL',
        '(2 rows)',
        '',
      ].join('\n'),
    );
  });

  it('writes CSV with every digit, quoting what holds a comma or a quote, empty for null', () => {
    expect(formatRows(columns, rows, 'csv')).toBe(
      [
        'client,n,share,tags',
        '"python, ""v2""",48210,0.123456789,"{""os"":""linux"",""ids"":[1,2]}"',
        'web,7,,',
        '',
      ].join('\n'),
    );
  });

  it('writes JSON as an array of row objects', () => {
    expect(JSON.parse(formatRows(columns, rows, 'json'))).toEqual(rows);
  });
});

describe('queryText', () => {
  const dir = mkdtempSync(join(tmpdir(), 'query-text-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the argument, or the text of -f FILE', () => {
    const file = join(dir, 'q.sql');
    writeFileSync(file, 'SELECT 1\n');

    expect(queryText('SELECT 2', undefined)).toBe('SELECT 2');
    expect(queryText(undefined, file)).toBe('SELECT 1\n');
  });

  it('refuses both, neither, and a file it cannot read', () => {
    expect(() => queryText('SELECT 2', join(dir, 'q.sql'))).toThrow('either as the argument or with -f FILE, not both');
    expect(() => queryText(undefined, undefined)).toThrow('no statement');
    expect(() => queryText(undefined, join(dir, 'missing.sql'))).toThrow(`cannot read ${join(dir, 'missing.sql')}`);
  });
});
