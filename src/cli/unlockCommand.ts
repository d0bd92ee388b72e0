/**
 * `lakestep unlock`: clears the pipeline lock a dead run left, locally or on a deployed stage (--stage),
 * after showing who holds it and asking (or with --yes). The dead execution is marked ABORTED.
 *
 * Locally a run needs none of this (it takes a stale lock over by itself, see staleLock.ts); unlock
 * is there to clear the lock without starting a run. On a stage, a lock is stale only when its
 * execution is no longer RUNNING in Step Functions: unlock refuses to clear a running one's.
 */
import { createInterface } from 'node:readline/promises';
import { DynamoLedger } from '../aws/dynamoLedger';
import { DynamoLock, type LockState } from '../aws/dynamoLock';
import { ledgerTableNames } from '../aws/ledgerTables';
import { describeExecution } from '../aws/stepFunctionsClient';
import { InputError } from '../core/errors';
import type { Ledger } from '../core/ports';
import { withLocalRuntime } from '../local/localRuntime';
import { clearDeadLock, describeLockState } from '../local/staleLock';
import { executionName } from '../core/runKeys';
import type { AwsDeps } from './awsDeps';
import type { Reporter } from './reporter';

/** Asks a yes/no question; resolves true for yes. */
export type Confirm = (question: string) => Promise<boolean>;

/**
 * Asks on the terminal.
 * @throws InputError when stdin is not a terminal (a script must say --yes)
 */
export const terminalConfirm: Confirm = async (question) => {
  if (!process.stdin.isTTY)
    throw new InputError('--yes', 'unlock asks before it clears the lock and stdin is not a terminal; pass --yes');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
};

export interface UnlockOptions {
  lake: string;
  yes?: boolean;
  stage?: string;
}

/**
 * @returns the exit code: 0 when the lock is free afterwards (cleared, or was free), 1 when the
 *   user said no
 * @throws LakestepError (exit 2) when a local run is using the lake now (its store is held)
 * @throws InputError on a stage whose lock holder is still RUNNING
 */
export async function unlockCommand(
  opts: UnlockOptions,
  reporter: Reporter,
  confirm: Confirm,
  aws?: () => Pick<AwsDeps, 'clients' | 'env'>,
): Promise<number> {
  if (opts.stage) {
    const deps = aws!();
    const tables = ledgerTableNames(opts.stage);
    const lock = new DynamoLock(deps.clients.dynamodb, deps.env?.LOCK_TABLE?.trim() || tables.lock);
    const ledger = new DynamoLedger(deps.clients.dynamodb, deps.env?.LEDGER_TABLE?.trim() || tables.ledger);
    return unlock(lock, ledger, opts, reporter, confirm, async (state) => {
      // The holder is an execution ARN on AWS: while it runs, the lock is not stale.
      const status = await describeExecution(deps.clients.sfn, state.holder).then(
        (d) => d.status,
        () => undefined, // unknown to Step Functions (deleted state machine, another account): nothing runs it here
      );
      if (status === 'RUNNING') {
        throw new InputError(
          'unlock',
          `execution ${executionName(state.holder)} is still RUNNING and holds the lock; stop it first (aws stepfunctions stop-execution --execution-arn ${state.holder}), then unlock`,
        );
      }
    });
  }
  // Opening the runtime fails with "in use by another process" while a local run holds the lake.
  return withLocalRuntime({ lakeDir: opts.lake, existing: true }, ({ lock, ports }) =>
    unlock(lock, ports.ledger, opts, reporter, confirm),
  );
}

async function unlock(
  lock: DynamoLock,
  ledger: Ledger,
  opts: UnlockOptions,
  reporter: Reporter,
  confirm: Confirm,
  checkDead: (state: LockState) => Promise<void> = async () => undefined,
): Promise<number> {
  const state = await lock.describe();
  if (!state) {
    reporter.line('the lock is free: nothing to do');
    return 0;
  }
  reporter.line(describeLockState(state, Date.now()));
  await checkDead(state);
  const name = executionName(state.holder);
  if (!opts.yes && !(await confirm(`clear the lock of ${name} and mark it ABORTED?`))) {
    reporter.line('the lock is left as it is');
    return 1;
  }
  const cleared = await clearDeadLock(lock, ledger, state, Date.now(), 'its lock was cleared with `lakestep unlock`');
  reporter.line(
    cleared
      ? `the lock is released; ${name} is marked ABORTED`
      : `the lock changed hands meanwhile (no longer held by ${name}); nothing was cleared`,
  );
  return 0;
}
