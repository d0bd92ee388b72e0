import { sqlIdent, sqlString } from '../../../src/core/sqlText';
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
