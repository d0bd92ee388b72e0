import { allTableNames, loadConfig } from '../../src/config/config';
import { validateRunInput } from '../../src/core/input';
import type { RunInput } from '../../src/core/types';
import { lambda } from '../functionFactory';

export interface ValidateInputEvent {
  /** the execution input as given: `{}`, a backfill, a rerun … */
  input: unknown;
  executionId: string;
  /** ISO 8601, `$$.Execution.StartTime` */
  startTime: string;
}

/** Turns the raw execution input into a RunInput; InputError names the bad field. */
export const makeValidateInput = () =>
  lambda(async (event: ValidateInputEvent): Promise<{ run: RunInput }> => {
    const config = loadConfig();
    const run = validateRunInput(event.input, {
      executionId: event.executionId,
      startedAtMs: Date.parse(event.startTime),
      knownDatasets: allTableNames(config),
    });
    return { run };
  });

export const handler = makeValidateInput();
