import { awsPorts } from '../../src/aws/ports';
import { loadConfig } from '../../src/config/config';
import type { Ports } from '../../src/core/ports';
import { lambda } from '../functionFactory';
import { launchStep } from '../../src/pipeline/steps';

/** Submits one group's transform step (EMR AddJobFlowSteps; locally DuckDB or spark-submit), with its deadline. */
export const makeLaunchStep = (ports: Pick<Ports, 'store' | 'steps' | 'clock'>) =>
  lambda(async ({ group, planKey, clusterId }: { group: { groupId: string }; planKey: string; clusterId?: string }) =>
    launchStep(ports, planKey, group.groupId, loadConfig(), clusterId),
  );

export const handler = makeLaunchStep(awsPorts(process.env));
