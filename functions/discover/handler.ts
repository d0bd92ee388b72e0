import { awsPorts } from '../../src/aws/ports';
import { loadConfig } from '../../src/config/config';
import { stepConcurrency } from '../../src/config/stageEnv';
import type { Ports } from '../../src/core/ports';
import type { RunInput } from '../../src/core/types';
import { discover } from '../../src/pipeline/discover';
import { lambda } from '../functionFactory';

/** Plans the days to recompute; stores the plan and returns its key and the step groups (payload < 256 KB). */
/** @param env a deployed stage's STEP_CONCURRENCY (also its EMR StepConcurrencyLevel) overrides the config's */
export const makeDiscover = (ports: Pick<Ports, 'store' | 'ledger' | 'clock'>, env: NodeJS.ProcessEnv = {}) =>
  lambda(async ({ run }: { run: RunInput }) => {
    const config = loadConfig();
    return discover(ports, run, { ...config, stepConcurrency: stepConcurrency(config, env) });
  });

export const handler = makeDiscover(awsPorts(process.env), process.env);
