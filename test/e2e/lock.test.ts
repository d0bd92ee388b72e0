/**
 * The pipeline lock through the real state machine, handlers and dynalite: an incremental (scheduled) run
 * that finds the lock held skips quietly; a backfill fails naming the holder; CheckStep renews the lock of a
 * long run, so the next hourly run cannot take it and start a second writer on the same days.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Context } from 'aws-lambda';
import { makeCheckStep } from '../../functions/checkStep/handler';
import { loadConfig } from '../../src/config/config';
import { executeStateMachine } from '../../src/local/executeStateMachine';
import { withLocalRuntime } from '../../src/local/localRuntime';
import { tmpLake } from '../helpers/lake';

const lake = tmpLake('lock');
const HOLDER = 'arn:aws:states:us-east-1:000000000000:execution:lakestep-local-pipeline:long-backfill';
const alerts = () => (existsSync(join(lake, '_alerts')) ? readdirSync(join(lake, '_alerts')) : []);

describe('the pipeline lock', () => {
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it('an incremental run that finds the lock held succeeds without work or alert; a backfill fails naming the holder', async () => {
    await withLocalRuntime({ lakeDir: lake, alertStream: new PassThrough() }, async (runtime) => {
      await runtime.ports.lock.acquire(HOLDER, runtime.ports.clock.nowMs(), 3600);

      const incremental = await executeStateMachine(runtime, {});
      const backfill = await executeStateMachine(runtime, { from: '2024-03-01', to: '2024-03-02', force: true });

      expect(incremental.status).toBe('SUCCEEDED');
      expect((incremental.output as { lock: { skipped: string } }).lock.skipped).toContain(
        `execution ${HOLDER} holds the lock`,
      );
      expect(await runtime.ports.ledger.getExecution(incremental.executionId)).toBeUndefined();
      expect(backfill.status).toBe('FAILED');
      expect(backfill.error?.Cause).toContain(`execution ${HOLDER} holds the lock`);
      expect(alerts()).toHaveLength(1); // the backfill's; none for the skipped incremental run
      // the holder keeps it: neither run released a lock it did not hold
      await expect(runtime.ports.lock.acquire('someone-else', runtime.ports.clock.nowMs(), 60)).rejects.toThrow(HOLDER);
    });
  }, 120_000);

  it("CheckStep renews its execution's lock for the configured TTL, and fails once another execution holds it", async () => {
    await withLocalRuntime({ lakeDir: lake, alertStream: new PassThrough() }, async (runtime) => {
      const { lock, store, clock } = runtime.ports;
      const mine = 'arn:aws:states:us-east-1:000000000000:execution:lakestep-local-pipeline:renewing';
      await lock.release(HOLDER);
      await lock.acquire(mine, clock.nowMs(), 60); // about to expire
      const resultKey = '_runs/renewing/steps/g1.json';
      await store.putJson(resultKey, {
        groupId: 'g1',
        dataset: 'access_records',
        stageVersion: 'v',
        days: [],
        rejectedByReason: {},
        seconds: 1,
      });
      const step = {
        stepId: 'skipped:g1',
        resultKey,
        group: { groupId: 'g1', dataset: 'access_records', stageVersion: 'v', days: [] },
      };
      const checkStep = makeCheckStep(runtime.ports);

      const status = await checkStep({ step, executionId: mine }, {} as Context);

      expect(status).toMatchObject({ state: 'COMPLETED' });
      // past the old 60 s expiry, well inside the renewed TTL: the next run cannot take the lock
      const later = clock.nowMs() + 120_000;
      expect(loadConfig().lockTtlSeconds * 1000).toBeGreaterThan(120_000);
      await expect(lock.acquire('next-hourly-run', later, 60)).rejects.toThrow(`execution ${mine} holds the lock`);
      await expect(checkStep({ step, executionId: 'arn:…:lost-its-lock' }, {} as Context)).rejects.toThrow(
        /LockHeldError|holds the lock/,
      );
      await lock.release(mine);
    });
  }, 60_000);
});
