/**
 * Crash recovery: a real `lakestep run` child process killed (SIGKILL) at a named crash point, then
 * the commands a user runs next. A crash followed by one plain run must leave the lake as a clean
 * run leaves it: rows, distinct keys, ledger.
 */
import { rmSync } from 'node:fs';
import { generateSample } from '../../src/sample/generate';
import { withLocalRuntime } from '../../src/local/localRuntime';
import { localExecutionId } from '../../src/local/executeStateMachine';
import { lakestep } from '../helpers/cli';
import { runUntilCrash } from '../helpers/crash';
import { tmpLake } from '../helpers/lake';

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
