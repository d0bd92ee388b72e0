/**
 * A stage SQL error names the stage file and the file's line on both engines: `lakestep run` on a
 * project made by `lakestep init`, its stage SQL broken on a known line, through DuckDB and through the
 * PySpark driver on local Spark (the rule both follow: spec/vectors/stage-sql-errors/).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lakestep } from '../helpers/cli';

describe('a stage SQL error on --engine spark', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakestep-sql-error-'));
  const demo = join(dir, 'demo');
  const sqlFile = join(demo, 'spark', 'sql', 'events.sql');
  let good: string;

  beforeAll(async () => {
    expect((await lakestep('init', demo)).code).toBe(0);
    const sample = await lakestep('sample', '--project', demo, '--days', '1', '--start', '2024-03-01', '--seed', '3');
    expect(sample.code).toBe(0);
    good = readFileSync(sqlFile, 'utf8');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The starter's stage SQL with `line` (1-based) replaced by what `edit` makes of it. */
  function breakLine(line: number, edit: (text: string) => string): void {
    const lines = good.split('\n');
    lines[line - 1] = edit(lines[line - 1]);
    writeFileSync(sqlFile, lines.join('\n'));
  }

  it.each([
    ['a syntax error', 21, (text: string) => text.replace('k.userId', 'k.userId + * 2')],
    ['an unknown column', 19, (text: string) => text.replace('k.eventType', 'k.eventTypo')],
  ])(
    'names spark/sql/events.sql and the line of %s, as the DuckDB engine does',
    async (_what, line, edit) => {
      expect(good.split('\n')[line - 1]).toMatch(/^ {2}k\./); // the line the case edits is the starter's
      breakLine(line, edit);

      const duckdb = await lakestep('run', '--project', demo);
      const spark = await lakestep('run', '--project', demo, '--engine', 'spark');

      expect(duckdb.code).toBe(2);
      expect(duckdb.stderr).toContain(`spark/sql/events.sql line ${line}: `);
      expect(spark.code).toBe(2);
      // on the step's progress line (Spark logs pages after the driver's error) and in the run's last lines
      expect(spark.stderr).toMatch(
        new RegExp(`^step events failed: .*step failed on Spark: spark/sql/events\\.sql line ${line}: `, 'm'),
      );
      expect(spark.stderr).toMatch(
        new RegExp(`^error: .*step failed on Spark: spark/sql/events\\.sql line ${line}: `, 'm'),
      );
    },
    600_000, // a Spark start-up on a loaded 2-core machine
  );
});
