/**
 * Crash recovery: a real `lakestep run` child process killed (SIGKILL) at a named crash point, then
 * the commands a user runs next. A crash followed by one plain run must leave the lake as a clean
 * run leaves it: rows, distinct keys, ledger.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { generateSample } from '../../examples/synapse/sample/generate';
import { withLocalRuntime } from '../../src/local/localRuntime';
import { localExecutionId } from '../../src/local/executeStateMachine';
import { lakestep, writeSampleLake } from '../helpers/cli';
import { runUntilCrash } from '../helpers/crash';
import { rowsByDay, sql, tmpLake } from '../helpers/lake';

const readExecution = (lake: string, name: string) =>
  withLocalRuntime({ lakeDir: lake, existing: true }, ({ ports }) => ports.ledger.getExecution(localExecutionId(name)));
/** The holder `lakestep status` names on its lock line. */
const lockHolder = (statusOut: string) => /lock: held by (run-\S+) since/.exec(statusOut)?.[1];

describe('a run killed while it holds the lock', () => {
  const lake = tmpLake('crash-lock');
  beforeAll(() => writeSampleLake(lake));
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it('shows the held lock in status, and the next run takes it over naming the dead execution, which ends ABORTED', async () => {
    const crashed = runUntilCrash('lock-acquired', ['run', '--lake', lake]);
    const status = await lakestep('status', '--lake', lake);
    const dead = lockHolder(status.stdout);

    const next = await lakestep('run', '--lake', lake);

    expect(crashed.signal).toBe('SIGKILL');
    expect(dead).toBeDefined();
    expect(status.stdout).toContain(
      'no run is using this lake, so its run was killed or crashed: the next run takes the lock over',
    );
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
  const [distinct] = await sql<{ n: number }>(
    `SELECT count(*)::INTEGER AS n FROM (SELECT DISTINCT * FROM read_parquet('${table}/*/*/*/*.parquet'))`,
  );
  const ledger = await withLocalRuntime({ lakeDir: lake, existing: true }, async ({ ports }) => ({
    raw: (await ports.ledger.rawPartitions('access_records')).map(({ day, fingerprint }) => [day, fingerprint]),
    outputs: (await ports.ledger.outputDays('access_records')).map(({ day, recordsOut, stageVersion }) => [
      day,
      recordsOut,
      stageVersion,
    ]),
  }));
  return {
    rows: await rowsByDay(table),
    distinct: distinct.n,
    rejected: await rowsByDay(join(lake, 'rejected', 'access_records')),
    ledger,
  };
}

describe('a run killed in the middle of publishing a day', () => {
  const lake = tmpLake('crash-publish');
  const clean = tmpLake('crash-publish-clean');
  beforeAll(async () => {
    await writeSampleLake(clean);
    expect((await lakestep('run', '--lake', clean)).code).toBe(0);
  });
  afterAll(() =>
    [lake, clean].forEach((dir) => {
      rmSync(dir, { recursive: true, force: true });
    }),
  );

  it.each([
    ['a first run', [] as string[]],
    ['a forced backfill over published days', ['--from', '2024-12-30', '--to', '2025-01-02', '--force']],
  ])(
    'leaves no duplicates and no half day after %s crashes: the next plain run finishes or rolls back the publish',
    async (_, args) => {
      rmSync(lake, { recursive: true, force: true });
      cpSync(clean, lake, { recursive: true, preserveTimestamps: true });
      if (args.length === 0) rmSync(join(lake, '_state'), { recursive: true, force: true });
      for (const derived of args.length === 0 ? ['processed', 'rejected', '_runs', '_catalog.duckdb'] : [])
        rmSync(join(lake, derived), { recursive: true, force: true });

      const crashed = runUntilCrash('publish-moved', ['run', '--lake', lake, ...args]);
      const journals = readdirSync(join(lake, '_state', 'publish'));
      const crashedState = await lakeState(lake).catch(() => undefined);
      const scratch = readdirSync(join(lake, '_tmp'));
      // what other crashes leave: a half-built catalog, an alert cut before its rename
      writeFileSync(join(lake, '_catalog.duckdb.crawl-4242'), '');
      mkdirSync(join(lake, '_alerts'), { recursive: true });
      writeFileSync(join(lake, '_alerts', 'alert-1.json.tmp'), '');
      const next = await lakestep('run', '--lake', lake);

      expect(crashed.signal).toBe('SIGKILL');
      expect(journals).toHaveLength(1);
      // the window is real: a forced backfill killed there leaves its first day with old and new rows
      if (args.length)
        expect(Object.values(crashedState!.rows).reduce((a, b) => a + b, 0)).toBeGreaterThan(crashedState!.distinct);
      expect(next.code).toBe(0);
      expect(existsSync(join(lake, '_state', 'publish', journals[0]))).toBe(false);
      expect(await lakeState(lake)).toEqual(await lakeState(clean));
      expect(scratch.length).toBeGreaterThan(0);
      expect(next.stderr).toContain('of a killed run (');
      expect(readdirSync(join(lake, '_tmp'))).toEqual([]);
      expect(existsSync(join(lake, '_catalog.duckdb.crawl-4242'))).toBe(false);
      expect(existsSync(join(lake, '_alerts', 'alert-1.json.tmp'))).toBe(false);
    },
  );
});

describe('a run killed in the middle of its ledger commit', () => {
  const lake = tmpLake('crash-ledger');
  const clean = tmpLake('crash-ledger-clean');
  // 14 arrival days: 14 raw fingerprints and 16 output days, more than one batch of 25
  const bigger = (dir: string) =>
    generateSample({
      lakeDir: dir,
      days: 14,
      start: '2024-12-20',
      recordsPerHour: 20,
      seed: 3,
      datasets: ['access_records'],
    });
  beforeAll(async () => {
    await bigger(clean);
    await bigger(lake);
    expect((await lakestep('run', '--lake', clean)).code).toBe(0);
  });
  afterAll(() =>
    [lake, clean].forEach((dir) => {
      rmSync(dir, { recursive: true, force: true });
    }),
  );

  it('records output days before raw fingerprints, so the next plain run recomputes what the cut left unrecorded', async () => {
    const crashed = runUntilCrash('ledger-batch-1', ['run', '--lake', lake]);
    const cut = await withLocalRuntime({ lakeDir: lake, existing: true }, async ({ ports }) => ({
      raw: (await ports.ledger.rawPartitions('access_records')).length,
      outputs: (await ports.ledger.outputDays('access_records')).length,
    }));
    const next = await lakestep('run', '--lake', lake);

    expect(crashed.signal).toBe('SIGKILL');
    expect(cut).toEqual({ raw: 0, outputs: 16 });
    expect(next.code).toBe(0);
    expect(next.stderr).not.toContain('nothing to do');
    expect(await lakeState(lake)).toEqual(await lakeState(clean));
  });

  it('says a damaged ledger store is damaged and how to rebuild it; deleting it and running again gives the clean lake', async () => {
    const store = join(lake, '_state', 'dynamodb');
    writeFileSync(join(store, 'CURRENT'), 'MANIFEST-0000'); // cut short: LevelDB refuses to open it

    const status = await lakestep('status', '--lake', lake);
    const run = await lakestep('run', '--lake', lake);
    rmSync(store, { recursive: true, force: true });
    const rebuilt = await lakestep('run', '--lake', lake);

    expect(status.code).not.toBe(0);
    expect(status.stderr).toContain(
      `the local ledger store ${store} is damaged (Corruption: CURRENT file does not end with newline); the lake's files are not affected`,
    );
    expect(status.stderr).toContain(`delete ${store} and run \`lakestep adopt\``);
    expect(run.stderr).toContain('is damaged');
    expect(rebuilt.code).toBe(0);
    expect(await lakeState(lake)).toEqual(await lakeState(clean));
  });
});

describe('a damaged ledger store', () => {
  const lake = tmpLake('damaged-store');
  const store = join(lake, '_state', 'dynamodb');
  beforeAll(async () => {
    await writeSampleLake(lake);
    expect((await lakestep('run', '--lake', lake)).code).toBe(0);
    await lakestep('status', '--lake', lake); // reopening compacts the log into a table file
  });
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it.each([
    [
      'a truncated table file',
      () => {
        const table = readdirSync(store).find((f) => f.endsWith('.ldb'))!;
        writeFileSync(join(store, table), readFileSync(join(store, table)).subarray(0, 100));
      },
    ],
    ['a missing CURRENT file (LevelDB would start an empty ledger over it)', () => rmSync(join(store, 'CURRENT'))],
  ])('is refused at open with how to rebuild it: %s', async (_, damage) => {
    const saved = tmpLake('damaged-store-copy');
    cpSync(store, saved, { recursive: true });
    damage();

    const result = await lakestep('run', '--lake', lake);
    rmSync(store, { recursive: true, force: true });
    cpSync(saved, store, { recursive: true });
    rmSync(saved, { recursive: true, force: true });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`the local ledger store ${store} is damaged (`);
    expect(result.stderr).toContain(`delete ${store} and run \`lakestep adopt\``);
  });
});

describe('Ctrl-C during a run', () => {
  const lake = tmpLake('sigint');
  beforeAll(() =>
    generateSample({
      lakeDir: lake,
      days: 6,
      start: '2024-12-27',
      recordsPerHour: 20,
      seed: 3,
      datasets: ['access_records'],
    }),
  );
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it('stops the steps, then releases the lock, and says what the next run does', async () => {
    const child = spawn(process.execPath, [join(__dirname, '..', '..', 'bin', 'lakestep.js'), 'run', '--lake', lake], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let interrupted = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!interrupted && stderr.includes('discovering raw partitions')) interrupted = child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const status = await lakestep('status', '--lake', lake);
    const next = await lakestep('run', '--lake', lake);

    expect(code).toBe(2);
    expect(stderr).toContain(
      'interrupted: the steps are stopped and the lock is released; nothing of this execution was recorded in the ledger',
    );
    expect(stderr).toContain('so the next run recomputes its days');
    expect(readdirSync(join(lake, '_tmp')).filter((f) => f.startsWith('step-'))).toEqual([]);
    expect(status.stdout).not.toContain('lock: held by');
    expect(next.code).toBe(0);
    expect(next.stderr).not.toContain('warning: execution');
  });
});
