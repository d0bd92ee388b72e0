import { selectOnlyProblem, sqlCodeOnly, sqlIdent, sqlString } from '../../../src/core/sqlText';
import { sql } from '../../helpers/lake';

describe('sqlString', () => {
  it.each([["o'brien"], ['say "hi"'], ['C:\\lake\\raw'], ['100%_done'], ['two\nlines'], ['données/日本/🙂'], ["''"]])(
    'reads back from DuckDB exactly as given: %j',
    async (text) => {
      const [row] = await sql<{ v: string }>(`SELECT ${sqlString(text)} AS ${sqlIdent('v')}`);

      expect(row.v).toBe(text);
    },
  );
});

describe('sqlIdent', () => {
  it('quotes a name with a double quote in it', async () => {
    const [row] = await sql(`SELECT 1 AS ${sqlIdent('a "b"')}`);

    expect(Object.keys(row)).toEqual(['a "b"']);
  });
});

describe('sqlCodeOnly', () => {
  it('blanks comments and the insides of strings and quoted names, keeping every place', () => {
    const sql = `SELECT 'a;b', "x--y" -- drop;\nFROM t /* ; */`;

    expect(sqlCodeOnly(sql)).toBe(`SELECT '   ', "    "${' '.repeat(9)}\nFROM t${' '.repeat(8)}`);
    expect(sqlCodeOnly(sql)).toHaveLength(sql.length);
  });
});

describe('selectOnlyProblem', () => {
  it.each([
    ['SELECT 1'],
    ['  with x AS (SELECT 1 AS n) SELECT n FROM x;  '],
    ["SELECT 'drop table x; delete' AS note -- insert here\n"],
    ['SELECT updated_at, deleted_rows FROM t'],
  ])('accepts one read-only SELECT: %j', (sql) => {
    expect(selectOnlyProblem(sql)).toBeUndefined();
  });

  it.each([
    ['', 'is empty (expected one SELECT)'],
    ['-- only a comment', 'is empty (expected one SELECT)'],
    ['SELECT 1; SELECT 2', 'holds 2 statements (expected one SELECT)'],
    ['EXPLAIN SELECT 1', 'starts with "EXPLAIN" (expected one SELECT or WITH … SELECT)'],
    ["COPY (SELECT 1) TO 'x.csv'", 'starts with "COPY" (expected one SELECT or WITH … SELECT)'],
    ['WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x', 'uses "INSERT" (expected a read-only SELECT)'],
  ])('names what is wrong with %j', (sql, problem) => {
    expect(selectOnlyProblem(sql)).toBe(problem);
  });
});
