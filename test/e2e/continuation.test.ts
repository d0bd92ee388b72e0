/**
 * A run too long for one execution (more step groups than maxStepsPerExecution) goes on in new
 * executions, each started by the one before (ContinueRun), through the real state machine file,
 * handlers, dynalite and DuckDB. The config is the project's own, with two limits made small.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import * as configModule from '../../src/config/config';
import type { Plan } from '../../src/core/types';
import { executeChain, type ExecutionOutcome } from '../../src/local/executeStateMachine';
import { withLocalRuntime } from '../../src/local/localRuntime';
import { planKey } from '../../src/core/runKeys';
import { generateSample, type SampleSummary } from '../../examples/synapse/sample/generate';
import { lakestep } from '../helpers/cli';
import { rowsByDay, snapshotFiles, tmpLake } from '../helpers/lake';

const real = configModule.loadConfig();
// 2 days a step, 2 steps an execution: the 6 days of a 5-day sample need two executions
jest
  .spyOn(configModule, 'loadConfig')
  .mockImplementation(() => ({ ...real, maxDaysPerStep: 2, maxStepsPerExecution: 2 }));

async function chain(
  lake: string,
  input: Record<string, unknown>,
): Promise<{ outcomes: ExecutionOutcome[]; plans: Plan[] }> {
  return withLocalRuntime({ lakeDir: lake, alertStream: new PassThrough() }, async (runtime) => {
    const outcomes = await executeChain(runtime, input, { waitMs: 5 });
    const plans = await Promise.all(
      outcomes.map(async (o) => (await runtime.ports.store.getJson<Plan>(planKey(o.executionId)))!),
    );
    return { outcomes, plans };
  });
}

const accessDays = (plan: Plan) => plan.days.filter((d) => d.dataset === 'access_records').map((d) => d.day);

describe('a run cut into several executions', () => {
  const lake = tmpLake('chain');
  let sample: SampleSummary;
  let first: Awaited<ReturnType<typeof chain>>;

  beforeAll(async () => {
    sample = await generateSample({
      lakeDir: lake,
      days: 5,
      start: '2024-03-04',
      recordsPerHour: 12,
      seed: 5,
      datasets: ['access_records'],
    });
    first = await chain(lake, { datasets: ['access_records'] });
  });
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it('starts the next execution from the one before, named after it and the cut, until nothing is left', () => {
    const { outcomes, plans } = first;

    expect(outcomes.map((o) => o.status)).toEqual(outcomes.map(() => 'SUCCEEDED'));
    expect(outcomes.length).toBeGreaterThanOrEqual(2);
    // the cut bounds the raw-fed table's groups; the weekly aggregate follows whatever days were recomputed
    expect(plans.every((p) => p.groups.filter((g) => g.dataset === 'access_records').length <= 2)).toBe(true);
    const firstName = outcomes[0].executionId.split(':').pop();
    expect(outcomes[0].continuedBy).toEqual({
      name: `${firstName}-after-${plans[0].deferred?.until}`,
      input: { mode: 'incremental', datasets: ['access_records'] },
    });
    expect(outcomes[1].executionId.split(':').pop()).toBe(outcomes[0].continuedBy?.name);
    expect(outcomes[outcomes.length - 1].continuedBy).toBeUndefined();
    expect(plans[plans.length - 1].deferred).toBeUndefined();
  });

  it('reports the run as a whole: each report names the execution that went on, and lakestep report lists the chain', async () => {
    const names = first.outcomes.map((o) => o.executionId.split(':').pop()!);

    const result = await lakestep('report', names[0], '--lake', lake);
    const json = JSON.parse((await lakestep('report', names[0], '--lake', lake, '--json')).stdout);
    const last = JSON.parse((await lakestep('report', names[names.length - 1], '--lake', lake, '--json')).stdout);

    expect(result.code).toBe(0);
    expect(json.continuedBy).toEqual({ execution: names[1], deferredDays: first.plans[0].deferred?.days });
    expect(last.continuedBy).toBeUndefined();
    expect(result.stdout).toContain(
      `continued by execution ${names[1]} (${first.plans[0].deferred?.days} day partitions left; lakestep report ${names[1]})`,
    );
    expect(result.stdout).toContain(`the run is ${names.length} executions (maxStepsPerExecution):`);
    const listed = result.stdout.split('\n').filter((line) => /^[* ] run-/.test(line));
    expect(listed.map((line) => line.slice(2).split(/\s+/)[0])).toEqual(names);
    expect(listed.map((line) => line[0])).toEqual(names.map((_, k) => (k === 0 ? '*' : ' ')));
    expect(listed.every((line) => line.includes('SUCCEEDED'))).toBe(true);
    // the page links the next execution's page, beside it in _reports/
    expect(readFileSync(join(lake, '_reports', `${names[0]}.html`), 'utf8')).toContain(
      `it goes on in execution <a href="${names[1]}.html">${names[1]}</a>`,
    );
  });

  it('counts one progress counter across the chain, never from 1 again, ending at its total', async () => {
    const result = await lakestep(
      'run',
      '--lake',
      lake,
      '--dataset',
      'access_records',
      '--from',
      '2024-03-04',
      '--to',
      '2024-03-08',
      '--force',
    );

    expect(result.code).toBe(0);
    expect(result.stderr).toContain('the run goes on in execution');
    const counters = [...result.stderr.matchAll(/^\[(\d+)\/(\d+)\] \d{4}-/gm)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(counters.map(([done]) => done)).toEqual(counters.map((_, k) => k + 1));
    expect(counters[counters.length - 1][0]).toBe(counters[counters.length - 1][1]);
    // the first execution's total already counts the days deferred to the next ones
    const firstExecution = result.stderr.slice(0, result.stderr.indexOf('the run goes on in execution'));
    expect(counters[0][1]).toBeGreaterThan(firstExecution.match(/^\[\d+\/\d+\] \d{4}-/gm)!.length);
  });

  it('ends with exactly the rows one uncut run writes', async () => {
    const byDay = await rowsByDay(join(lake, 'processed/access_records'));

    expect(byDay).toEqual(sample.expected.outputRowsByEventDay);
    // every event day with rows was planned by some execution (the days at a cut twice)
    const planned = new Set(first.plans.flatMap(accessDays));
    expect(Object.keys(sample.expected.outputRowsByEventDay).filter((day) => !planned.has(day))).toEqual([]);
  });

  it('plans nothing afterwards, and a forced range goes on from the day after each cut without forcing a day twice', async () => {
    const before = snapshotFiles(join(lake, 'processed'));
    const again = await chain(lake, { datasets: ['access_records'] });
    expect(again.outcomes).toHaveLength(1);
    expect(again.plans[0].days).toEqual([]);
    expect(snapshotFiles(join(lake, 'processed'))).toEqual(before);

    const forced = await chain(lake, {
      datasets: ['access_records'],
      from: '2024-03-04',
      to: '2024-03-08',
      force: true,
    });

    const days = forced.plans.map(accessDays);
    expect(forced.outcomes.map((o) => o.status)).toEqual(forced.outcomes.map(() => 'SUCCEEDED'));
    expect(days.flat()).toEqual(['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-08']);
    expect(forced.outcomes[0].continuedBy?.input).toEqual({
      mode: 'backfill',
      datasets: ['access_records'],
      from: addDay(days[0][days[0].length - 1]),
      to: '2024-03-08',
      force: true,
    });
    expect(await rowsByDay(join(lake, 'processed/access_records'))).toEqual(sample.expected.outputRowsByEventDay);
  });
});

const addDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
