import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/config/config';
import { sparkSyntaxErrors } from '../helpers/sparkSyntax';

/** Every stage lakestep ships: the examples' and the starter project's (`lakestep init`). */
const SQL_DIRS = [
  ...readdirSync(join(PACKAGE_ROOT, 'examples')).map((e) => join('examples', e)),
  'templates/starter',
].map((p) => join(PACKAGE_ROOT, p, 'spark', 'sql'));

describe('sparkSyntaxErrors', () => {
  const stageFiles = SQL_DIRS.flatMap((dir) =>
    readdirSync(dir)
      .filter((name) => name.endsWith('.sql'))
      .map((name) => join(dir, name)),
  ).sort();
  const negatives = {
    'DuckDB cast shorthand': 'SELECT 1::int',
    QUALIFY: 'SELECT a FROM t QUALIFY row_number() OVER (ORDER BY a) = 1',
    'list literal': 'SELECT [1, 2] AS xs',
  };
  let errors: Record<string, string[]>;

  beforeAll(() => {
    const texts: Record<string, string> = { ...negatives };
    for (const path of stageFiles) texts[path] = readFileSync(path, 'utf8');
    errors = sparkSyntaxErrors(texts);
  });

  it('finds the stage files', () => {
    expect(stageFiles).toContain(join(PACKAGE_ROOT, 'examples/synapse/spark/sql/access_records.sql'));
    expect(stageFiles).toContain(join(PACKAGE_ROOT, 'examples/acquisition/spark/sql/acquisition.sql'));
    expect(stageFiles).toContain(join(PACKAGE_ROOT, 'examples/acquisition/spark/sql/organic_share_p4w.sql'));
    expect(stageFiles).toContain(join(PACKAGE_ROOT, 'templates/starter/spark/sql/events.sql'));
  });

  it.each(stageFiles)('accepts %s as Spark SQL', (name) => {
    expect(errors[name]).toEqual([]);
  });

  it.each(Object.keys(negatives))('rejects DuckDB-only syntax: %s', (name) => {
    expect(errors[name].length).toBeGreaterThan(0);
  });
});
