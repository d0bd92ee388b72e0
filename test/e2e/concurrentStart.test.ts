/**
 * Two `lakestep run` processes started at the same instant on one lake: exactly one runs, the other
 * gets the clear refusal any second run gets (exit 2), never a dynalite stack trace. Each pair's
 * winner holds at `store-open` until the loser has exited, so "one ran, one was refused" never
 * depends on how fast either process is.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSample } from '../../examples/synapse/sample/generate';
import { startLakestep, type ChildRun } from '../helpers/crash';
import { tmpLake } from '../helpers/lake';

const PAIRS = 10;
const REFUSAL =
  /^error: the local DynamoDB store \S+ is in use by another process \(another lakestep run is using this lake\); wait for it to finish, or use another --lake\n$/;

describe('two runs started at the same instant', () => {
  const lake = tmpLake('concurrent-start');
  beforeAll(() =>
    generateSample({
      lakeDir: lake,
      days: 1,
      start: '2024-03-01',
      recordsPerHour: 20,
      seed: 5,
      datasets: ['access_records'],
    }),
  );
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it(`one runs and the other is refused with exit 2 and one clear line, ${PAIRS} pairs out of ${PAIRS}`, async () => {
    const outcomes: { first: ChildRun; second: ChildRun }[] = [];
    for (let pair = 0; pair < PAIRS; pair++) {
      const release = join(lake, `release-${pair}`);
      const env = { LAKESTEP_HOLD_AT: 'store-open', LAKESTEP_HOLD_UNTIL: release };
      const runs = [startLakestep(['run', '--lake', lake], env), startLakestep(['run', '--lake', lake], env)];

      const first = await Promise.race(runs);
      writeFileSync(release, '');
      const [a, b] = await Promise.all(runs);
      outcomes.push({ first, second: a === first ? b : a });
    }

    for (const { first, second } of outcomes) {
      expect(first).toMatchObject({ status: 2, stderr: expect.stringMatching(REFUSAL) });
      expect(second.status).toBe(0);
    }
    expect(existsSync(join(lake, 'processed', 'access_records'))).toBe(true);
  }, 600_000);
});
