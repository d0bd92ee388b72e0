/**
 * `lakestep adopt` on a lake built by a real run whose ledger (`_state/`) is then deleted: the next
 * run plans nothing and touches no file; with --since, the days before it are never planned again.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { addDays } from '../../src/core/days';
import type { Plan } from '../../src/core/types';
import { executeStateMachine } from '../../src/local/executeStateMachine';
import { withLocalRuntime } from '../../src/local/localRuntime';
import { planKey } from '../../src/core/runKeys';
import { generateSample, rawFileKey, writeRawFile } from '../../examples/synapse/sample/generate';
import { lakestep } from '../helpers/cli';
import { snapshotFiles, tmpLake } from '../helpers/lake';

async function run(lake: string, input: Record<string, unknown> = {}) {
  return withLocalRuntime({ lakeDir: lake, alertStream: new PassThrough() }, async (runtime) => {
    const outcome = await executeStateMachine(runtime, input);
    return { outcome, plan: await runtime.ports.store.getJson<Plan>(planKey(outcome.executionId)) };
  });
}

/** An access record in Synapse's envelope, as the bundled config reads it. */
const record = (sessionId: string, timestampMs: number) =>
  JSON.stringify({
    stack: 'prod',
    instance: '000000503',
    timestamp: timestampMs,
    payload: {
      sessionId,
      timestamp: timestampMs,
      userId: 7,
      method: 'GET',
      requestURL: '/repo/v1/entity/syn123',
      userAgent: 'synapseclient/2.7.2',
    },
  });

describe('lakestep adopt', () => {
  const lake = tmpLake('adopt');
  const firstDay = '2024-02-28';

  beforeAll(async () => {
    await generateSample({ lakeDir: lake, days: 3, start: firstDay, recordsPerHour: 25, seed: 11 });
    const built = await run(lake);
    expect(built.outcome.status).toBe('SUCCEEDED');
  });
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it('takes over a lake whose ledger was lost: the next run plans nothing and touches no file', async () => {
    rmSync(join(lake, '_state'), { recursive: true, force: true });
    const before = snapshotFiles(join(lake, 'processed'));

    const adopted = await lakestep('adopt', '--lake', lake, '--json');
    const next = await run(lake);

    expect(adopted.code).toBe(0);
    const report = JSON.parse(adopted.stdout);
    const access = report.tables.find((t: { table: string }) => t.table === 'access_records');
    // raw arrival days 02-28 … 03-01; processed event days 02-27 (late arrivals) … 03-01
    expect(access).toMatchObject({ rawPartitions: 3, outputDays: 4, processedWithoutRaw: [], rawWithoutOutput: [] });
    expect(next.outcome.status).toBe('SUCCEEDED');
    expect(next.plan?.days).toEqual([]);
    expect(snapshotFiles(join(lake, 'processed'))).toEqual(before);
  });

  it('reports raw data never processed and leaves it for the next run', async () => {
    rmSync(join(lake, '_state'), { recursive: true, force: true });
    const arrival = addDays(firstDay, 5); // 03-04: no output day of 03-03 … 03-05 exists
    const at = Date.parse(`${arrival}T12:00:00Z`);
    await writeRawFile(lake, rawFileKey('raw/access_records/', at, 'new-day'), [record('new-1', at)], { gzip: false });

    const adopted = await lakestep('adopt', '--lake', lake, '--dataset', 'access_records');
    const dry = await run(lake, { dryRun: true });

    expect(adopted.code).toBe(0);
    expect(adopted.stderr).toContain(`raw data never processed: ${arrival} (not recorded: the next run computes them)`);
    expect(dry.plan?.days.filter((d) => d.dataset === 'access_records').map((d) => d.day)).toEqual([
      addDays(arrival, -1),
      arrival,
      addDays(arrival, 1),
    ]);
    rmSync(join(lake, 'raw/access_records', ...arrival.split('-')), { recursive: true, force: true });
  });

  it('with --since, never plans or rewrites a day before it, even forced or with a late file', async () => {
    rmSync(join(lake, '_state'), { recursive: true, force: true });
    const since = addDays(firstDay, 1); // 02-29
    const before = snapshotFiles(join(lake, 'processed'));
    const at = Date.parse(`${firstDay}T12:00:00Z`);
    await writeRawFile(lake, rawFileKey('raw/access_records/', at, 'late-old'), [record('old-1', at)], { gzip: false });

    const adopted = await lakestep('adopt', '--lake', lake, '--since', since);
    const incremental = await run(lake);
    const forced = await run(lake, {
      from: addDays(firstDay, -1),
      to: addDays(firstDay, 4),
      force: true,
      datasets: ['access_records'],
    });

    expect(adopted.code).toBe(0);
    expect(incremental.plan?.days).toEqual([]);
    const forcedDays = forced.plan?.days.filter((d) => d.dataset === 'access_records').map((d) => d.day);
    expect(forcedDays).toEqual([since, addDays(since, 1), addDays(since, 2)]);
    const after = snapshotFiles(join(lake, 'processed/access_records'));
    for (const day of [addDays(firstDay, -1), firstDay]) {
      const part = `year=${day.slice(0, 4)}/month=${day.slice(5, 7)}/day=${day.slice(8, 10)}/`;
      const untouched = Object.entries(before).filter(([k]) => k.startsWith(`access_records/${part}`));
      expect(untouched.length).toBeGreaterThan(0);
      for (const [key, stamp] of untouched) expect(after[key.slice('access_records/'.length)]).toBe(stamp);
    }
  });
});
