import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/config';
import { SparkSubmitStepRunner } from '../../../src/local/sparkSubmitStepRunner';
import type { StepSpec } from '../../../src/core/types';
import { stepSpec } from '../../helpers/stepSpec';

const spec: StepSpec = stepSpec({
  executionId: 'e',
  groupId: 'g1',
  dataset: 'access_records',
  days: ['2024-03-05'],
  rawDays: ['2024-03-04', '2024-03-05', '2024-03-06'],
  stageSql: 'spark/sql/access_records.sql',
  stageVersion: 'v',
  resultKey: '_results/g1.json',
});

async function settle(runner: SparkSubmitStepRunner, stepId: string) {
  for (;;) {
    const status = await runner.describe(stepId);
    if (status.state !== 'RUNNING') return status;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SparkSubmitStepRunner', () => {
  it('runs the venv spark-submit with a local master, file:// lake root and the project files', () => {
    const runner = new SparkSubmitStepRunner({
      lakeDir: '/data/lake',
      projectRoot: '/repo/project',
      packageRoot: '/repo',
      config: loadConfig(),
    });

    const command = runner.command(spec);

    expect(command[0]).toBe('/repo/.venv/bin/spark-submit');
    expect(command.slice(1, 3)).toEqual(['--master', 'local[2]']);
    expect(command).toContain('/repo/spark/jobs/lakestep_driver.py');
    expect(command[command.indexOf('--lake-root') + 1]).toBe('file:///data/lake/');
    expect(command[command.indexOf('--sql') + 1]).toBe('file:///repo/project/spark/sql/access_records.sql');
    expect(command).toContain('spark.sql.sources.partitionOverwriteMode=dynamic');
  });

  it("reports RUNNING at once, then FAILED with the driver's error line, whatever Spark logs after it", async () => {
    // A stand-in spark-submit: the runner's process handling without a JVM. As the real one, it prints
    // the Python driver's stderr on its stdout, and Spark's log on its stderr.
    const bin = mkdtempSync(join(tmpdir(), 'fake-spark-'));
    writeFileSync(join(bin, 'python'), '');
    writeFileSync(
      join(bin, 'spark-submit'),
      '#!/bin/sh\necho "26/01/01 00:00:00 INFO SparkContext: noise" >&2\necho "lakestep_driver: error: boom"\necho "+- Project [a#1] (a plan logged over many lines)" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    const runner = new SparkSubmitStepRunner({
      lakeDir: bin,
      projectRoot: bin,
      config: loadConfig(),
      python: join(bin, 'python'),
    });

    const { stepId } = await runner.submit(spec);
    const first = await runner.describe(stepId);
    const last = await settle(runner, stepId);

    expect(first.state).toBe('RUNNING');
    expect(last).toEqual({
      stepId,
      state: 'FAILED',
      failureMessage: 'spark-submit exited with code 1: boom',
    });
  });

  it('reports COMPLETED when spark-submit exits 0, and FAILED with a hint when it cannot start', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'fake-spark-'));
    writeFileSync(join(bin, 'spark-submit'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const ok = new SparkSubmitStepRunner({
      lakeDir: bin,
      projectRoot: bin,
      config: loadConfig(),
      python: join(bin, 'python'),
    });
    const missing = new SparkSubmitStepRunner({
      lakeDir: bin,
      projectRoot: bin,
      config: loadConfig(),
      python: join(bin, 'nope', 'python'),
    });

    const done = await settle(ok, (await ok.submit(spec)).stepId);
    const failed = await settle(missing, (await missing.submit(spec)).stepId);

    expect(done.state).toBe('COMPLETED');
    expect(failed.state).toBe('FAILED');
    expect(failed.failureMessage).toMatch(/could not start .*spark-submit.*ensure-python/);
    await expect(ok.describe('spark-other-1')).rejects.toMatchObject({ name: 'InputError' });
  });
});
