/**
 * Stable checkpoints: `lakestep snapshot TABLE NAME` freezes a table's partitions; a later forced run
 * with more data changes the table, never the snapshot (files and rows); it is queryable as
 * TABLE__NAME, also from a rebuilt catalog; --list and --remove; names validated, never overwritten.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { generateSample } from '../../examples/synapse/sample/generate';
import { tmpLake } from '../helpers/lake';
import { lakestep } from '../helpers/cli';

/** relative path → MD5 of every file under `dir`. */
function fileHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path);
      else out[relative(dir, path)] = createHash('md5').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

const count = async (lake: string, table: string) =>
  JSON.parse((await lakestep('query', '--lake', lake, '--json', `SELECT count(*) AS n FROM ${table}`)).stdout)[0]
    .n as number;

describe('lakestep snapshot', () => {
  const lake = tmpLake('snapshot');
  const frozen = join(lake, 'snapshots/v1/access_records');
  beforeAll(async () => {
    await generateSample({
      lakeDir: lake,
      days: 2,
      start: '2024-03-04',
      recordsPerHour: 20,
      seed: 7,
      datasets: ['access_records'],
    });
    expect((await lakestep('run', '--lake', lake)).code).toBe(0);
  }, 120_000);
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it('freezes a table: a later forced run with more data changes the table, not the snapshot', async () => {
    const rows = await count(lake, 'access_records');

    const made = await lakestep('snapshot', 'access_records', 'v1', '--lake', lake);
    const hashes = fileHashes(frozen);
    await generateSample({
      lakeDir: lake,
      days: 1,
      start: '2024-03-06',
      recordsPerHour: 20,
      seed: 8,
      datasets: ['access_records'],
    });
    const forced = await lakestep('run', '--lake', lake, '--from', '2024-03-03', '--to', '2024-03-07', '--force');

    expect(made.code).toBe(0);
    expect(made.stderr).toMatch(
      /snapshot v1 of access_records: \d+ days \(2024-03-0\d…2024-03-0\d\), \d+ files copied to snapshots\/v1\/access_records\//,
    );
    expect(made.stderr).toContain('query it as access_records__v1');
    expect(Object.keys(hashes).filter((k) => k.endsWith('.parquet')).length).toBeGreaterThan(0);
    expect(forced.code).toBe(0);
    expect(fileHashes(frozen)).toEqual(hashes);
    expect(await count(lake, 'access_records__v1')).toBe(rows);
    expect(await count(lake, 'access_records')).toBeGreaterThan(rows);
  }, 120_000);

  it('is registered again when the catalog is rebuilt from the lake', async () => {
    const rows = await count(lake, 'access_records__v1');
    rmSync(join(lake, '_catalog.duckdb'));

    const query = await lakestep('query', '--lake', lake, '--json', 'SELECT count(*) AS n FROM access_records__v1');

    expect(query.stderr).toContain('_catalog.duckdb was missing; it was rebuilt from the lake');
    expect(JSON.parse(query.stdout)[0].n).toBe(rows);
  });

  it('refuses an existing snapshot, a bad name and an unknown table, naming each', async () => {
    const again = await lakestep('snapshot', 'access_records', 'v1', '--lake', lake);
    const badName = await lakestep('snapshot', 'access_records', 'V-1', '--lake', lake);
    const badTable = await lakestep('snapshot', 'nope', 'v2', '--lake', lake);

    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /error: NAME: snapshot v1 of access_records exists \(made .*\) and is never overwritten; choose another name, or remove it first with `lakestep snapshot --remove v1 access_records`/,
    );
    expect(badName.code).toBe(1);
    expect(badName.stderr).toContain('error: NAME: "V-1" is not a snapshot name (expected a lower-case identifier');
    expect(badTable.code).toBe(1);
    expect(badTable.stderr).toContain('error: TABLE: unknown table "nope"');
  });

  it('lists snapshots, a cut one as incomplete, and a new snapshot of that name clears its leftovers', async () => {
    mkdirSync(join(lake, 'snapshots/v2/access_records/year=2024/month=01/day=01'), { recursive: true });
    writeFileSync(join(lake, 'snapshots/v2/access_records/year=2024/month=01/day=01/part-0.parquet'), 'cut short');

    const before = await lakestep('snapshot', '--list', '--lake', lake);
    const made = await lakestep('snapshot', 'access_records', 'v2', '--lake', lake);
    const after = JSON.parse((await lakestep('snapshot', '--list', '--lake', lake, '--json')).stdout);

    expect(before.stdout).toMatch(
      /^v1 +access_records +access_records__v1 {2}2024-03-0\d…2024-03-0\d {2}\d+ files, [\d.]+ MB {2}made /m,
    );
    expect(before.stdout).toMatch(/^v2 +access_records +INCOMPLETE \(a cut snapshot: 1 file;/m);
    expect(made.code).toBe(0);
    expect(existsSync(join(lake, 'snapshots/v2/access_records/year=2024/month=01'))).toBe(false);
    expect(
      after.map((s: { name: string; manifest?: { catalogTable: string } }) => [s.name, s.manifest?.catalogTable]),
    ).toEqual([
      ['v1', 'access_records__v1'],
      ['v2', 'access_records__v2'],
    ]);
    expect(await count(lake, 'access_records__v2')).toBe(await count(lake, 'access_records'));
  });

  it('removes a snapshot: its files and its catalog table', async () => {
    const removed = await lakestep('snapshot', '--remove', 'v1', '--lake', lake);
    const query = await lakestep('query', '--lake', lake, 'SELECT count(*) FROM access_records__v1');
    const missing = await lakestep('snapshot', '--remove', 'v1', '--lake', lake);

    expect(removed.code).toBe(0);
    expect(removed.stderr).toMatch(
      /removed snapshot v1 of access_records \(\d+ files, catalog table access_records__v1\)/,
    );
    expect(existsSync(join(lake, 'snapshots/v1'))).toBe(false);
    expect(query.code).toBe(1);
    expect(query.stderr).toContain('access_records__v1');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error: NAME: no snapshot v1');
    expect(await count(lake, 'access_records__v2')).toBeGreaterThan(0);
  });
});
