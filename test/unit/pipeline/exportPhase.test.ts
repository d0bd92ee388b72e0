/**
 * The export phase on AWS: LaunchExports stores the ExportSpec of the exports due after the steps' written days
 * and submits the driver's export mode as an EMR step (the command asserted as sent); CheckExports polls it and
 * leaves an ExportResult naming the cause when it ended without one. Locally nothing is launched.
 */
import { AddJobFlowStepsCommand, CancelStepsCommand, DescribeStepCommand, EMRClient } from '@aws-sdk/client-emr';
import { mockClient } from 'aws-sdk-client-mock';
import { rmSync } from 'node:fs';
import { EmrStepRunner } from '../../../src/aws/emrStepRunner';
import { loadConfig, projectRoot } from '../../../src/config/config';
import type { ExportResult, ExportSpec } from '../../../src/core/exportSpec';
import { DuckDbStepRunner } from '../../../src/local/duckdb/duckDbStepRunner';
import { FolderObjectStore } from '../../../src/local/folderObjectStore';
import { checkExports, launchExports } from '../../../src/pipeline/exportPhase';
import { exportResultKey, exportSpecKey, stepResultKey } from '../../../src/core/runKeys';
import { tmpLake } from '../../helpers/lake';

const emr = mockClient(EMRClient);
const config = loadConfig();
const executionId = 'arn:aws:states:us-east-1:000000000000:execution:lakestep-prod-pipeline:run-7';
const clock = { nowMs: () => Date.parse('2024-03-06T01:00:00Z') };
const emrSteps = () =>
  new EmrStepRunner(new EMRClient({ region: 'us-east-1' }), {
    artifactsUri: 's3://art/spark/0.1.0-ab12cd3/',
    lakeRoot: 's3://lake/',
    config,
  });
const dayResult = (day: string, status: 'succeeded' | 'failed') => ({
  day,
  status,
  recordsIn: 1,
  recordsOut: 1,
  duplicatesDropped: 0,
  rejected: 0,
  late: 0,
});

describe('launchExports', () => {
  const lake = tmpLake('export-phase');
  const store = new FolderObjectStore(lake);
  const planKey = '_runs/run-7/plan.json';
  beforeAll(async () => {
    const groups = [{ groupId: 'g-daily' }, { groupId: 'g-share' }];
    await store.putJson(planKey, { executionId, groups });
    await store.putJson(stepResultKey(executionId, 'g-daily'), {
      groupId: 'g-daily',
      dataset: 'project_downloads_daily',
      days: [dayResult('2024-03-05', 'succeeded')],
    });
    await store.putJson(stepResultKey(executionId, 'g-share'), {
      groupId: 'g-share',
      dataset: 'client_share_4w',
      days: [dayResult('2024-03-05', 'failed')],
    });
  });
  beforeEach(() => emr.reset());
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it('submits the driver in export mode on the ExportSpec of the exports that read a written day', async () => {
    emr.on(AddJobFlowStepsCommand).resolves({ StepIds: ['s-EXPORTS'] });

    const launched = await launchExports({ store, steps: emrSteps(), clock }, planKey, config, 'j-TRANSIENT');

    expect(launched).toEqual({
      launched: true,
      stepId: 's-EXPORTS',
      clusterId: 'j-TRANSIENT',
      resultKey: exportResultKey(executionId),
      names: ['project_downloads_28d'],
      launchedAtMs: clock.nowMs(),
      deadlineMs: clock.nowMs() + config.stepTimeoutMinutes * 60_000,
    });
    const spec = await store.getJson<ExportSpec>(exportSpecKey(executionId));
    expect(spec?.exports.map((e) => [e.name, e.key, e.latestKey, e.reads.map((r) => r.partitionColumns)])).toEqual([
      [
        'project_downloads_28d',
        'exports/project_downloads_28d/run-7.json',
        'exports/project_downloads_28d/latest.json',
        [['year', 'month', 'day']], // the table's layout (ymd, the default)
      ],
    ]);
    const sent = emr.commandCalls(AddJobFlowStepsCommand)[0].args[0].input;
    expect(sent.JobFlowId).toBe('j-TRANSIENT');
    expect(sent.Steps?.[0].ActionOnFailure).toBe('CONTINUE');
    expect(sent.Steps?.[0].HadoopJarStep?.Args?.slice(-5)).toEqual([
      's3://art/spark/0.1.0-ab12cd3/jobs/lakestep_driver.py',
      '--export',
      's3://lake/_runs/run-7/exports.spec.json',
      '--lake-root',
      's3://lake/',
    ]);
  });

  it('launches nothing when no export reads a written day, or on a local engine (exports run at commit)', async () => {
    const onlyShare = { ...config, exports: { e: { name: 'e', sql: 'SELECT 1', reads: ['client_share_4w'] } } };
    const local = new DuckDbStepRunner({ lakeDir: lake, projectRoot: projectRoot(), config });

    expect(await launchExports({ store, steps: emrSteps(), clock }, planKey, onlyShare, 'j-1')).toEqual({
      launched: false,
    });
    expect(await launchExports({ store, steps: local, clock }, planKey, config, 'local')).toEqual({ launched: false });
    expect(emr.commandCalls(AddJobFlowStepsCommand)).toHaveLength(0);
  });
});

describe('checkExports', () => {
  const lake = tmpLake('export-check');
  const store = new FolderObjectStore(lake);
  const step = {
    stepId: 's-EXPORTS',
    clusterId: 'j-TRANSIENT',
    resultKey: exportResultKey(executionId),
    names: ['project_downloads_28d'],
    launchedAtMs: clock.nowMs() - 60_000,
    deadlineMs: clock.nowMs() + 3_600_000,
  };
  beforeEach(() => emr.reset());
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it('says when to look again while the step runs', async () => {
    emr.on(DescribeStepCommand).resolves({ Step: { Status: { State: 'RUNNING' } } });

    const status = await checkExports({ store, steps: emrSteps(), clock }, step);

    expect(status.state).toBe('RUNNING');
    expect(status.pollSeconds).toBeGreaterThanOrEqual(30);
  });

  it('cancels a step past its deadline and fails its exports saying so', async () => {
    emr.on(DescribeStepCommand).resolves({ Step: { Status: { State: 'RUNNING' } } });
    emr.on(CancelStepsCommand).resolves({ CancelStepsInfoList: [{ StepId: 's-EXPORTS', Status: 'SUBMITTED' }] });
    const late = { ...step, resultKey: '_runs/run-late/exports.result.json', deadlineMs: clock.nowMs() - 1 };

    const status = await checkExports({ store, steps: emrSteps(), clock }, late);

    expect(status).toEqual({ state: 'CANCELLED' });
    expect(emr.commandCalls(CancelStepsCommand)[0].args[0].input).toMatchObject({
      ClusterId: 'j-TRANSIENT',
      StepIds: ['s-EXPORTS'],
    });
    expect((await store.getJson<ExportResult>(late.resultKey))?.exports.project_downloads_28d).toEqual({
      error: 'the export step s-EXPORTS cancelled without a result: past its deadline of 1 min, cancelled',
    });
  });

  it('leaves an ExportResult naming the failure of a step that wrote none', async () => {
    emr.on(DescribeStepCommand).resolves({
      Step: { Status: { State: 'FAILED', FailureDetails: { Reason: 'Out of memory', Message: 'Container killed' } } },
    });

    const status = await checkExports({ store, steps: emrSteps(), clock }, step);

    expect(status).toEqual({ state: 'FAILED' });
    const result = await store.getJson<ExportResult>(exportResultKey(executionId));
    expect(result?.exports.project_downloads_28d).toEqual({
      error: expect.stringMatching(
        /^the export step s-EXPORTS failed without a result: Out of memory: Container killed/,
      ),
    });
  });
});
