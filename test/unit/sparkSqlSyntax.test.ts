import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/config/config';
import { sparkSyntaxErrors } from '../helpers/sparkSyntax';

const SQL_DIR = join(PACKAGE_ROOT, 'spark', 'sql');

describe('sparkSyntaxErrors', () => {
  const stageFiles = readdirSync(SQL_DIR).filter((name) => name.endsWith('.sql')).sort();
  const negatives = {
    'DuckDB cast shorthand': 'SELECT 1::int',
    'QUALIFY': 'SELECT a FROM t QUALIFY row_number() OVER (ORDER BY a) = 1',
    'list literal': 'SELECT [1, 2] AS xs',
  };
  let errors: Record<string, string[]>;

  beforeAll(() => {
    const texts: Record<string, string> = { ...negatives };
    for (const name of stageFiles) texts[name] = readFileSync(join(SQL_DIR, name), 'utf8');
    errors = sparkSyntaxErrors(texts);
  });

  it('finds the stage files', () => {
    expect(stageFiles).toContain('access_records.sql');
  });

  it.each(stageFiles)('accepts spark/sql/%s as Spark SQL', (name) => {
    expect(errors[name]).toEqual([]);
  });

  it.each(Object.keys(negatives))('rejects DuckDB-only syntax: %s', (name) => {
    expect(errors[name].length).toBeGreaterThan(0);
  });
});
