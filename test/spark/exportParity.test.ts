/**
 * Exports on both engines: the Synapse example's `project_downloads_28d` over a lake the DuckDB engine built
 * gives the same package from the PySpark driver's export mode (local spark-submit, the path the EMR export
 * step runs, as `--engine spark` wires it) as from DuckDB on the local catalog.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { generateSample } from '../../examples/synapse/sample/generate';
import type { ExportTarget } from '../../src/core/exportSpec';
import { executeStateMachine } from '../../src/local/executeStateMachine';
import { withLocalRuntime } from '../../src/local/localRuntime';
import { executionName, exportKey, exportResultKey, latestExportKey } from '../../src/core/runKeys';
import { tmpLake } from '../helpers/lake';

const EXPORT = 'project_downloads_28d';

describe('export parity: the Spark driver and DuckDB', () => {
  const lake = tmpLake('export-parity');
  let duckdbExecution: string;

  beforeAll(async () => {
    await generateSample({ lakeDir: lake, days: 3, start: '2024-03-04', recordsPerHour: 25, seed: 31 });
    duckdbExecution = await withLocalRuntime({ lakeDir: lake, alertStream: new PassThrough() }, async (runtime) => {
      const outcome = await executeStateMachine(runtime, {});
      expect(outcome.status).toBe('SUCCEEDED');
      return executionName(outcome.executionId);
    });
  }, 300_000);
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  const readJson = (key: string) => JSON.parse(readFileSync(join(lake, key), 'utf8'));

  it('writes the same rows from the Spark driver as the DuckDB run wrote, to the execution key and latest.json', async () => {
    const duckdbRows = readJson(exportKey(EXPORT, duckdbExecution));
    const sparkExecution = 'spark-export-parity';

    const outcomes = await withLocalRuntime(
      { lakeDir: lake, engine: 'spark', alertStream: new PassThrough() },
      async (runtime) => {
        const exp = runtime.config.exports[EXPORT];
        const target: ExportTarget = {
          ...exp,
          key: exportKey(EXPORT, sparkExecution),
          latestKey: latestExportKey(EXPORT),
        };
        return runtime.ports.exports.write(sparkExecution, [target]);
      },
    );

    expect(duckdbRows.length).toBeGreaterThan(0);
    expect(Object.keys(duckdbRows[0])).toEqual(['as_of', 'project_id', 'downloads_28d', 'distinct_users_28d']);
    expect(outcomes).toEqual({ [EXPORT]: { key: exportKey(EXPORT, sparkExecution), rows: duckdbRows.length } });
    // same values, same types, same order (the export's ORDER BY), same key order in each row
    expect(JSON.stringify(readJson(exportKey(EXPORT, sparkExecution)))).toBe(JSON.stringify(duckdbRows));
    expect(readJson(latestExportKey(EXPORT))).toEqual(duckdbRows);
    expect(readJson(exportResultKey(sparkExecution)).exports[EXPORT]).toEqual(outcomes[EXPORT]);
  }, 600_000); // a Spark start-up on a loaded 2-core machine
});
