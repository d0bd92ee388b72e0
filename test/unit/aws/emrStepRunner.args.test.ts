import { AddJobFlowStepsCommand, EMRClient } from '@aws-sdk/client-emr';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../../src/config/config';
import type { StepSpec } from '../../../src/core/types';

import { EmrStepRunner } from '../../../src/aws/emrStepRunner';
import { stepSpec } from '../../helpers/stepSpec';

const emr = mockClient(EMRClient);
const config = loadConfig();
const spec: StepSpec = stepSpec({
  executionId: 'exec-7f3a',
  groupId: 'access_records-2024-03-05',
  dataset: 'access_records',
  days: ['2024-03-05', '2024-03-06'],
  rawDays: ['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07'],
  stageSql: 'spark/sql/access_records.sql',
  stageVersion: 'v1',
  resultKey: 'runs/exec-7f3a/steps/access_records-2024-03-05.json',
});

describe('EmrStepRunner.submit with the real sparkSubmitArgs', () => {
  it('passes spark-submit arguments that name the deployed SQL URI and the stored spec', async () => {
    emr.on(AddJobFlowStepsCommand).resolves({ StepIds: ['s-STEP1'] });
    const runner = new EmrStepRunner(new EMRClient({ region: 'us-east-1' }), {
      clusterId: 'j-CLUSTER1',
      artifactsUri: 's3://lakestep-prod-artifacts/spark/0.1.0-ab12cd3/',
      lakeRoot: 's3://lakestep-prod-lake/',
      config,
    });

    await runner.submit(spec);

    const step = emr.commandCalls(AddJobFlowStepsCommand)[0].args[0].input.Steps?.[0];
    expect(step?.ActionOnFailure).toBe('CONTINUE');
    expect(step?.HadoopJarStep?.Jar).toBe('command-runner.jar');
    const args = step?.HadoopJarStep?.Args ?? [];
    expect(args[0]).toBe('spark-submit');
    const joined = args.join(' ');
    expect(joined).toContain('s3://lakestep-prod-artifacts/spark/0.1.0-ab12cd3/sql/access_records.sql');
    expect(joined).toContain('s3://lakestep-prod-artifacts/spark/0.1.0-ab12cd3/jobs/lakestep_driver.py');
    // the spec (its days and the generated raw SQL) goes by the URI LaunchStep stored it under
    expect(args[args.indexOf('--spec') + 1]).toBe(`s3://lakestep-prod-lake/${spec.specKey}`);
    // EMR caps each step argument at 10,280 characters.
    for (const arg of args) expect(arg.length).toBeLessThanOrEqual(10_280);
  });
});
