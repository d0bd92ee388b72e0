/**
 * Discovery on a real local lake (folder store, dynalite ledger, the real state machine for the first
 * run): a scheduled run lists only the arrival days that can still change, and sees a late file among
 * them; `full` lists everything and sees a change outside them.
 */
import { rmSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { validateRunInput } from '../../src/core/input';
import type { ObjectStore } from '../../src/core/ports';
import { rawDayPrefixes } from '../../src/core/rawListing';
import type { Plan } from '../../src/core/types';
import { executeStateMachine } from '../../src/local/executeStateMachine';
import { withLocalRuntime, type LocalRuntime } from '../../src/local/localRuntime';
import { discover } from '../../src/pipeline/discover';
import { planKey } from '../../src/core/runKeys';
import { generateSample, rawFileKey, writeRawFile } from '../../examples/synapse/sample/generate';
import { tmpLake } from '../helpers/lake';

const PREFIX = 'raw/access_records/';
const FIRST_DAY = '2024-03-01';
const LAST_DAY = '2024-03-06';
/** the scheduled run's clock: midday of the last arrival day */
const NOW = Date.parse(`${LAST_DAY}T12:00:00Z`);

const record = (sessionId: string, timestampMs: number) =>
  JSON.stringify({
    stack: 'prod',
    instance: '1',
    timestamp: timestampMs,
    payload: {
      sessionId,
      timestamp: timestampMs,
      userId: 7,
      method: 'GET',
      requestURL: '/repo/v1/entity/syn1',
      userAgent: 'python',
      stack: 'prod',
      instance: '1',
    },
  });

/** The folder store, recording every prefix it is asked to list (the real listing still happens). */
function countingStore(store: ObjectStore) {
  const listed: string[] = [];
  const counted: ObjectStore = {
    list: (prefix) => {
      listed.push(prefix);
      return store.list(prefix);
    },
    getJson: (key) => store.getJson(key),
    putJson: (key, value) => store.putJson(key, value),
    putText: (key, text, type) => store.putText(key, text, type),
  };
  return { listed, store: counted };
}

async function discoverWith(runtime: LocalRuntime, event: Record<string, unknown>) {
  const { listed, store } = countingStore(runtime.ports.store);
  const run = validateRunInput(
    { datasets: ['access_records'], dryRun: true, ...event },
    {
      executionId: `exec-${listed.length}-${Object.keys(event).join('')}`,
      startedAtMs: NOW,
      knownDatasets: Object.keys(runtime.config.datasets),
    },
  );
  const result = await discover(
    { store, ledger: runtime.ports.ledger, clock: { nowMs: () => NOW } },
    run,
    runtime.config,
  );
  const plan = (await runtime.ports.store.getJson<Plan>(result.planKey))!;
  // the aggregate reading access_records follows the same days (upstream): not what this test is about
  return {
    listed: [...listed].sort(),
    result,
    days: plan.days
      .filter((d) => d.dataset === 'access_records')
      .map((d) => `${d.day} ${d.reasons.map((r) => ('rawDay' in r ? `${r.kind} ${r.rawDay}` : r.kind)).join(',')}`),
  };
}

describe('bounded discovery on a local lake', () => {
  const lake = tmpLake('bounded-discovery');
  beforeAll(async () => {
    await generateSample({
      lakeDir: lake,
      days: 6,
      start: FIRST_DAY,
      recordsPerHour: 25,
      seed: 11,
      datasets: ['access_records'],
    });
    const first = await withLocalRuntime({ lakeDir: lake, alertStream: new PassThrough() }, (runtime) =>
      executeStateMachine(runtime, { datasets: ['access_records'] }),
    );
    expect([first.status, first.error]).toEqual(['SUCCEEDED', undefined]);
    // a late file inside the scheduled window (the day before the high-water mark) and one far outside it
    for (const [arrival, id] of [
      ['2024-03-05', 'late-in-window'],
      ['2024-03-02', 'late-outside'],
    ]) {
      const at = Date.parse(`${arrival}T10:00:00Z`);
      await writeRawFile(lake, rawFileKey(PREFIX, at, id), [record(id, at)], { gzip: false });
    }
  });
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it('a scheduled run lists only the window’s day prefixes and picks up the late file inside it', async () => {
    const { listed, result, days } = await withLocalRuntime(
      { lakeDir: lake, alertStream: new PassThrough() },
      (runtime) => discoverWith(runtime, {}),
    );

    // high-water mark 03-06, lateDays 1: arrival days 03-05 and 03-06, each in both layouts
    expect(listed).toEqual([...rawDayPrefixes(PREFIX, '2024-03-05'), ...rawDayPrefixes(PREFIX, '2024-03-06')].sort());
    expect(result.rawListings).toEqual([
      { dataset: 'access_records', scope: 'days', days: 2, from: '2024-03-05', to: '2024-03-06' },
    ]);
    expect(days).toEqual([
      '2024-03-04 late_file 2024-03-05',
      '2024-03-05 late_file 2024-03-05',
      '2024-03-06 late_file 2024-03-05',
    ]);
    expect(result.missingRawDays).toBe(0);
  });

  it('with full it lists the whole raw prefix and finds the changed day outside the window too', async () => {
    const { listed, result, days } = await withLocalRuntime(
      { lakeDir: lake, alertStream: new PassThrough() },
      (runtime) => discoverWith(runtime, { full: true }),
    );

    expect(listed).toEqual([PREFIX]);
    expect(result.rawListings).toEqual([{ dataset: 'access_records', scope: 'all', reason: 'full' }]);
    expect(days).toEqual([
      '2024-03-01 late_file 2024-03-02',
      '2024-03-02 late_file 2024-03-02',
      '2024-03-03 late_file 2024-03-02',
      '2024-03-04 late_file 2024-03-05',
      '2024-03-05 late_file 2024-03-05',
      '2024-03-06 late_file 2024-03-05',
    ]);
  });

  it('the execution input {"full": true} reaches discovery through the state machine (what the console and --full send)', async () => {
    const planned = await withLocalRuntime({ lakeDir: lake, alertStream: new PassThrough() }, async (runtime) => {
      const outcome = await executeStateMachine(runtime, { datasets: ['access_records'], full: true, dryRun: true });
      return { outcome, plan: await runtime.ports.store.getJson<Plan>(planKey(outcome.executionId)) };
    });

    expect(planned.outcome.status).toBe('SUCCEEDED');
    expect(planned.plan?.days.some((d) => d.dataset === 'access_records' && d.day === '2024-03-02')).toBe(true);
  });

  it('a removed raw day inside the window is still reported missing', async () => {
    const moved = await withLocalRuntime({ lakeDir: lake, alertStream: new PassThrough() }, async (runtime) => {
      rmSync(`${lake}/${PREFIX}2024/03/06`, { recursive: true });
      return discoverWith(runtime, {});
    });

    expect(moved.result.missingRawDays).toBe(1);
    expect(moved.result.missingRawDayExamples).toEqual(['access_records 2024-03-06']);
  });
});
