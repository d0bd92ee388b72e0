import { awsPorts } from '../../src/aws/ports';
import type { Ports } from '../../src/core/ports';
import { lambda } from '../../src/pipeline/functionFactory';
import { checkStep, type LaunchedStep } from '../../src/pipeline/steps';

/** Polls a step: PENDING/RUNNING (wait again), COMPLETED with per-day outcome, FAILED/CANCELLED. */
export const makeCheckStep = (ports: Pick<Ports, 'store' | 'steps'>) =>
  lambda(async ({ step }: { step: LaunchedStep }) => checkStep(ports, step));

export const handler = makeCheckStep(awsPorts(process.env));
