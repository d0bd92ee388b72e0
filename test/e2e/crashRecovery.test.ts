/**
 * Crash recovery: a real `lakestep run` child process killed (SIGKILL) at a named crash point, then
 * the commands a user runs next. A crash followed by one plain run must leave the lake as a clean
 * run leaves it: rows, distinct keys, ledger.
 */
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateSample } from '../../src/sample/generate';
import { withLocalRuntime } from '../../src/local/localRuntime';
import { localExecutionId } from '../../src/local/executeStateMachine';
import { lakestep } from '../helpers/cli';
import { runUntilCrash } from '../helpers/crash';
import { rowsByDay, sql, tmpLake } from '../helpers/lake';

const sampleOf = (lake: string) => generateSample({ lakeDir: lake, days: 2, start: '2024-12-31', recordsPerHour: 20, seed: 3, datasets: ['access_records'] });
const readExecution = (lake: string, name: string) => withLocalRuntime({ lakeDir: lake, existing: true }, ({ ports }) => ports.ledger.getExecution(localExecutionId(name)));
/** The holder `lakestep status` names on its lock line. */
const lockHolder = (statusOut: string) => /lock: held by (run-\S+) since/.exec(statusOut)?.[1];

describe('a run killed while it holds the lock', () => {
  const lake = tmpLake('crash-lock');
  beforeAll(() => sampleOf(lake));
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it('shows the held lock in status, and the next run takes it over naming the dead execution, which ends ABORTED', async () => {
    const crashed = runUntilCrash('lock-acquired', ['run', '--lake', lake]);
    const status = await lakestep('status', '--lake', lake);
    const dead = lockHolder(status.stdout);

    const next = await lakestep('run', '--lake', lake);

    expect(crashed.signal).toBe('SIGKILL');
    expect(dead).toBeDefined();
    expect(status.stdout).toContain('no run is using this lake, so its run was killed or crashed: the next run takes the lock over');
    expect(next.code).toBe(0);
    expect(next.stderr).toContain(`warning: execution ${dead} held the lock since`);
    expect(next.stderr).toContain(`marking ${dead} ABORTED`);
    expect(await readExecution(lake, dead!)).toMatchObject({ status: 'ABORTED' });
    expect((await lakestep('status', '--lake', lake)).stdout).not.toContain('lock: held by');
  });

  it('`lakestep unlock` shows the holder and asks; no keeps the lock, --yes clears it and marks the execution ABORTED', async () => {
    runUntilCrash('lock-acquired', ['run', '--lake', lake]);
    const dead = lockHolder((await lakestep('status', '--lake', lake)).stdout);

    const declined = await lakestep('unlock', '--lake', lake);
    const afterDecline = await lakestep('status', '--lake', lake);
    const cleared = await lakestep('unlock', '--lake', lake, '--yes');
    const again = await lakestep('unlock', '--lake', lake, '--yes');

    // the test's stdin is no terminal: without --yes, unlock refuses to guess
    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain('stdin is not a terminal; pass --yes');
    expect(lockHolder(afterDecline.stdout)).toBe(dead);
    expect(cleared.code).toBe(0);
    expect(cleared.stderr).toContain(`lock: held by ${dead} since`);
    expect(cleared.stderr).toContain(`the lock is released; ${dead} is marked ABORTED`);
    expect(await readExecution(lake, dead!)).toMatchObject({ status: 'ABORTED' });
    expect(again).toMatchObject({ code: 0 });
    expect(again.stderr).toContain('the lock is free: nothing to do');
  });
});

/** What must match a clean run's lake: rows and distinct rows per day of each table, and the ledger's days. */
async function lakeState(lake: string) {
  const table = join(lake, 'processed', 'access_records');
  const [distinct] = await sql<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM (SELECT DISTINCT * FROM read_parquet('${table}/*/*/*/*.parquet'))`);
  const ledger = await withLocalRuntime({ lakeDir: lake, existing: true }, async ({ ports }) => ({
    raw: (await ports.ledger.rawPartitions('access_records')).map(({ day, fingerprint }) => [day, fingerprint]),
    outputs: (await ports.ledger.outputDays('access_records')).map(({ day, recordsOut, stageVersion }) => [day, recordsOut, stageVersion]),
  }));
  return { rows: await rowsByDay(table), distinct: distinct.n, rejected: await rowsByDay(join(lake, 'rejected', 'access_records')), ledger };
}

describe('a run killed in the middle of publishing a day', () => {
  const lake = tmpLake('crash-publish');
  const clean = tmpLake('crash-publish-clean');
  beforeAll(async () => {
    await sampleOf(clean);
    expect((await lakestep('run', '--lake', clean)).code).toBe(0);
  });
  afterAll(() => [lake, clean].forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it.each([
    ['a first run', [] as string[]],
    ['a forced backfill over published days', ['--from', '2024-12-30', '--to', '2025-01-02', '--force']],
  ])('leaves no duplicates and no half day after %s crashes: the next plain run finishes or rolls back the publish', async (_, args) => {
    rmSync(lake, { recursive: true, force: true });
    cpSync(clean, lake, { recursive: true, preserveTimestamps: true });
    if (args.length === 0) rmSync(join(lake, '_state'), { recursive: true, force: true });
    for (const derived of args.length === 0 ? ['processed', 'rejected', '_runs', '_catalog.duckdb'] : []) rmSync(join(lake, derived), { recursive: true, force: true });

    const crashed = runUntilCrash('publish-moved', ['run', '--lake', lake, ...args]);
    const journals = readdirSync(join(lake, '_state', 'publish'));
    const crashedState = await lakeState(lake).catch(() => undefined);
    const next = await lakestep('run', '--lake', lake);

    expect(crashed.signal).toBe('SIGKILL');
    expect(journals).toHaveLength(1);
    // the window is real: a forced backfill killed there leaves its first day with old and new rows
    if (args.length) expect(Object.values(crashedState!.rows).reduce((a, b) => a + b, 0)).toBeGreaterThan(crashedState!.distinct);
    expect(next.code).toBe(0);
    expect(existsSync(join(lake, '_state', 'publish', journals[0]))).toBe(false);
    expect(await lakeState(lake)).toEqual(await lakeState(clean));
  });
});
