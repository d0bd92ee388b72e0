/**
 * EMR's step endings rehearsed locally through the fault script (LAKESTEP_STEP_FAULTS), with the real
 * state machine, handlers, dynalite and DuckDB: the days of the steps it names fail alone, the alert
 * carries EMR's cause, and a rerun of the execution takes only those days.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import * as configModule from '../../src/config/config';
import { executeStateMachine } from '../../src/local/executeStateMachine';
import { withLocalRuntime } from '../../src/local/localRuntime';
import { STEP_FAULTS_ENV } from '../../src/local/stepFaults';
import type { RunReport } from '../../src/report/runReport';
import { reportKeys } from '../../src/report/reportStore';
import { generateSample } from '../../examples/synapse/sample/generate';
import { rowsByDay, tmpLake } from '../helpers/lake';

const lake = tmpLake('step-faults');
const faultFile = join(lake, 'faults.json');
// one day a step, so a step's fault is one day's
const real = configModule.loadConfig();
jest.spyOn(configModule, 'loadConfig').mockImplementation(() => ({ ...real, maxDaysPerStep: 1 }));

const run = (input: Record<string, unknown>) =>
  withLocalRuntime({ lakeDir: lake, alertStream: new PassThrough() }, async (runtime) => {
    const outcome = await executeStateMachine(runtime, { datasets: ['access_records'], ...input });
    const report = await runtime.ports.store.getJson<RunReport>(
      reportKeys(outcome.executionId.split(':').pop()!).jsonKey,
    );
    return { outcome, report: report! };
  });
const accessDays = (report: RunReport) =>
  report.tables.find((t) => t.table === 'access_records')?.days.map((d) => d.day) ?? [];

describe('LAKESTEP_STEP_FAULTS', () => {
  afterAll(() => {
    delete process.env[STEP_FAULTS_ENV];
    rmSync(lake, { recursive: true, force: true });
  });

  it('fails the named days alone with the cause EMR gives, and a rerun takes only them', async () => {
    await generateSample({
      lakeDir: lake,
      days: 2,
      start: '2024-03-04',
      recordsPerHour: 20,
      seed: 9,
      datasets: ['access_records'],
    });
    writeFileSync(
      faultFile,
      JSON.stringify([
        { dataset: 'access_records', day: '2024-03-04', state: 'INTERRUPTED' },
        {
          dataset: 'access_records',
          from: '2024-03-05',
          to: '2024-03-05',
          state: 'CANCELLED',
          message: 'Cancelled by user (rehearsal)',
        },
      ]),
    );
    process.env[STEP_FAULTS_ENV] = faultFile;

    const faulted = await run({});
    delete process.env[STEP_FAULTS_ENV];
    const rows = await rowsByDay(join(lake, 'processed', 'access_records'));
    const rerun = await run({ mode: 'rerun', executionId: faulted.outcome.executionId });

    expect(faulted.outcome.status).toBe('FAILED');
    const failed = faulted.report.failedDays.filter((d) => d.table === 'access_records');
    expect(failed.map((d) => d.day)).toEqual(['2024-03-04', '2024-03-05']);
    expect(failed[0].error).toEqual({
      name: 'StepFailedError',
      message: expect.stringMatching(/^step fault-\S+ failed: step interrupted \(cluster terminated or node lost\)$/),
    });
    expect(failed[1].error).toEqual({
      name: 'StepFailedError',
      message: expect.stringMatching(/^step fault-\S+ cancelled: Cancelled by user \(rehearsal\)$/),
    });
    expect(accessDays(faulted.report)).toEqual(['2024-03-03', '2024-03-04', '2024-03-05', '2024-03-06']);
    expect(Object.keys(rows)).toEqual(['2024-03-03']); // published (2024-03-06, computed too, has no events)
    const alerts = readdirSync(join(lake, '_alerts')).map((f) => readFileSync(join(lake, '_alerts', f), 'utf8'));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toContain('step interrupted (cluster terminated or node lost)');
    expect(alerts[0]).toContain('Cancelled by user (rehearsal)');
    expect(rerun.outcome.status).toBe('SUCCEEDED');
    expect(accessDays(rerun.report)).toEqual(['2024-03-04', '2024-03-05']);
    expect(Object.keys(await rowsByDay(join(lake, 'processed', 'access_records')))).toEqual([
      '2024-03-03',
      '2024-03-04',
      '2024-03-05',
    ]);
  }, 300_000);

  it('refuses a bad script naming the entry and the field', async () => {
    writeFileSync(faultFile, JSON.stringify([{ dataset: 'access_records', day: '2024-03-04', state: 'TERMINATED' }]));
    process.env[STEP_FAULTS_ENV] = faultFile;

    await expect(run({})).rejects.toThrow(
      `${STEP_FAULTS_ENV} ${faultFile}[0].state: expected one of FAILED, CANCELLED, INTERRUPTED, got "TERMINATED"`,
    );
  });
});
