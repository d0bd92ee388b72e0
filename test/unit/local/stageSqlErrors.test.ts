/**
 * The shared stage SQL error cases (spec/vectors/stage-sql-errors/cases.json) on DuckDB's rule; pytest
 * runs the Spark cases through the driver's (spark/tests/test_stage_sql_errors.py).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stageErrorMessage } from '../../../src/local/duckdb/stage';

interface Case {
  name: string;
  engine: 'duckdb' | 'spark';
  sqlPath: string;
  error: string;
  expected: string;
}

const { cases } = JSON.parse(
  readFileSync(join(__dirname, '../../../spec/vectors/stage-sql-errors/cases.json'), 'utf8'),
) as { cases: Case[] };

describe('stageErrorMessage', () => {
  it.each(cases.filter((c) => c.engine === 'duckdb').map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(stageErrorMessage(c.error, c.sqlPath)).toBe(c.expected);
  });
});
