import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/config/config';

const SQL_DIR = join(PROJECT_ROOT, 'spark', 'sql');

/**
 * Validates SQL texts with dt-sql-parser's Spark SQL grammar; returns each text's error messages.
 *
 * Runs in a child Node process: dt-sql-parser's build uses ESM directory imports that neither jest's
 * module system nor Node's plain `require` loads, while tsx's loader (a project dependency) does.
 */
function sparkSyntaxErrors(texts: Record<string, string>): Record<string, string[]> {
  const script = `
    require('tsx/cjs');
    const { SparkSQL } = require('dt-sql-parser');
    const texts = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    const parser = new SparkSQL();
    const out = {};
    for (const [name, text] of Object.entries(texts)) {
      out[name] = parser.validate(text).map((e) => 'line ' + e.startLine + ':' + e.startColumn + ' ' + e.message);
    }
    process.stdout.write(JSON.stringify(out));`;
  const stdout = execFileSync(process.execPath, ['-e', script], { cwd: PROJECT_ROOT, input: JSON.stringify(texts), encoding: 'utf8' });
  return JSON.parse(stdout) as Record<string, string[]>;
}

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
