/**
 * A step that fails (its stage SQL errs at run time, as a bad deploy or an unexpected value would)
 * through the real state machine, handlers, dynalite and DuckDB: the execution fails, and the
 * ledger, the report and the alert name the step's own error, not a missing result.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import * as configModule from '../../src/config/config';
import { executeStateMachine } from '../../src/local/executeStateMachine';
import { withLocalRuntime } from '../../src/local/localRuntime';
import type { RunReport } from '../../src/report/runReport';
import { reportKeys } from '../../src/report/reportStore';
import { generateSample } from '../../examples/synapse/sample/generate';
import { snapshotFiles, tmpLake } from '../helpers/lake';

const lake = tmpLake('step-failure');
const brokenStage = join(lake, 'broken.sql');
// valid Spark SQL that fails on the data: a session id is no number
writeFileSync(brokenStage, 'SELECT CAST(sessionId AS BIGINT) AS session_id FROM raw_access_records\n');
const real = configModule.loadConfig();
jest.spyOn(configModule, 'loadConfig').mockImplementation(() => ({
  ...real,
  datasets: { ...real.datasets, access_records: { ...real.datasets.access_records, stage: brokenStage } },
}));

describe('a step that fails', () => {
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it('fails the execution naming the step error in the ledger, the report and the alert, and publishes nothing', async () => {
    await generateSample({
      lakeDir: lake,
      days: 2,
      start: '2024-03-04',
      recordsPerHour: 20,
      seed: 9,
      datasets: ['access_records'],
    });

    const { outcome, execution, report } = await withLocalRuntime(
      { lakeDir: lake, alertStream: new PassThrough() },
      async (runtime) => {
        const outcome = await executeStateMachine(runtime, { datasets: ['access_records'] });
        const name = outcome.executionId.split(':').pop()!;
        return {
          outcome,
          execution: await runtime.ports.ledger.getExecution(outcome.executionId),
          report: await runtime.ports.store.getJson<RunReport>(reportKeys(name).jsonKey),
        };
      },
    );

    expect(outcome.status).toBe('FAILED');
    expect(outcome.error?.Cause).toMatch(
      /access_records 2024-03-03…2024-03-06 \(StepFailedError: step duckdb-\S+ failed: .*Conversion Error/,
    );
    expect(outcome.error?.Cause).not.toContain('produced no result');
    expect(execution?.cause).toContain('Conversion Error');
    const accessDays = report!.failedDays.filter((d) => d.table === 'access_records');
    expect(accessDays.map((d) => d.day)).toEqual(['2024-03-03', '2024-03-04', '2024-03-05', '2024-03-06']);
    expect(
      accessDays.every(
        (d) =>
          d.error.name === 'StepFailedError' &&
          d.error.message.startsWith('step duckdb-') &&
          d.error.message.includes('Conversion Error'),
      ),
    ).toBe(true);
    const [alert] = readdirSync(join(lake, '_alerts')).map((f) =>
      JSON.parse(readFileSync(join(lake, '_alerts', f), 'utf8')),
    );
    expect(JSON.stringify(alert)).toContain('Conversion Error');
    expect(snapshotFiles(join(lake, 'processed'))).toEqual({});
  });
});
