import { awsPorts } from '../../src/aws/ports';
import { loadConfig } from '../../src/config/config';
import type { Ports } from '../../src/core/ports';
import type { RunInput } from '../../src/core/types';
import { discover } from '../../src/pipeline/discover';
import { lambda } from '../../src/pipeline/functionFactory';

/** Plans the days to recompute; stores the plan and returns its key and the step groups (payload < 256 KB). */
export const makeDiscover = (ports: Pick<Ports, 'store' | 'ledger' | 'clock'>) =>
  lambda(async ({ run }: { run: RunInput }) => discover(ports, run, loadConfig()));

export const handler = makeDiscover(awsPorts(process.env));
