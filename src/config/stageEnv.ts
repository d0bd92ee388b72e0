/**
 * Settings a deployed stage overrides through the Lambdas' environment (serverless.yml sets them from
 * stage parameters), falling back to lakestep.config.yml. Locally the environment has none of them.
 */
import { LakestepError } from '../core/errors';
import type { LakestepConfig } from './config';

/** Step Functions runs at most 40 inline Map iterations at once; EMR allows up to 256 concurrent steps. */
const MAX_STEP_CONCURRENCY = 40;

/**
 * The stage's step concurrency: `STEP_CONCURRENCY` (the `stepConcurrency` stage parameter, which is also
 * the transient cluster's StepConcurrencyLevel) or else `config.stepConcurrency`. Discover returns it as
 * `plan.stepConcurrency`, the Map's MaxConcurrencyPath, so the Map never runs more steps than EMR runs.
 * @example stepConcurrency(config, { STEP_CONCURRENCY: '4' }) // 4
 * @throws LakestepError when STEP_CONCURRENCY is set but not an integer in 1…40
 */
export function stepConcurrency(config: Pick<LakestepConfig, 'stepConcurrency'>, env: NodeJS.ProcessEnv = {}): number {
  const text = env.STEP_CONCURRENCY?.trim();
  if (!text) return config.stepConcurrency;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > MAX_STEP_CONCURRENCY) {
    throw new LakestepError(
      `environment variable STEP_CONCURRENCY is "${text}"; expected an integer in 1…${MAX_STEP_CONCURRENCY} (the stepConcurrency stage parameter)`,
    );
  }
  return value;
}
