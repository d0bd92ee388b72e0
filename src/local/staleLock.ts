/**
 * Clearing the lock of a run that is gone: a local run taking over a stale lock, and `lakestep unlock`.
 *
 * Why a local lock item can be stale for sure: a local run holds the lake's ledger store (LevelDB's
 * LOCK file, released by the OS when the process dies, `kill -9` included) for its whole life. A
 * process that opened the store itself therefore knows no live run is using the lake, and any lock
 * item it finds was left by a run that was killed before its ReleaseLock state.
 */
import type { LockState, DynamoLock } from '../aws/dynamoLock';
import type { Ledger } from '../core/ports';
import { executionName } from '../core/runKeys';

/**
 * Deletes the lock held by `state.holder` and marks that execution ABORTED in the ledger (when it
 * is recorded as RUNNING; a finished record is left as it is).
 * @param why the cause recorded on the execution, e.g. "its lock was taken over by run-…"
 * @returns false when the lock was no longer held by `state.holder` (nothing changed)
 */
export async function clearDeadLock(
  lock: Pick<DynamoLock, 'release'>,
  ledger: Ledger,
  state: LockState,
  nowMs: number,
  why: string,
): Promise<boolean> {
  if (!(await lock.release(state.holder))) return false;
  const record = await ledger.getExecution(state.holder);
  if (record?.status === 'RUNNING')
    await ledger.putExecution({ ...record, status: 'ABORTED', endedAtMs: nowMs, cause: why });
  return true;
}

/**
 * The local run's takeover: when a lock item is there (the caller has the store, so its holder is
 * dead), clears it. Returns the warning to print, naming the dead execution, or undefined when the
 * lock was free.
 */
export async function takeOverStaleLock(lock: DynamoLock, ledger: Ledger, nowMs: number): Promise<string | undefined> {
  const state = await lock.describe();
  if (!state) return undefined;
  const dead = executionName(state.holder);
  await clearDeadLock(
    lock,
    ledger,
    state,
    nowMs,
    'the run ended without releasing the lock (killed or crashed); a later run took the lock over',
  );
  return (
    `warning: execution ${dead} held the lock since ${new Date(state.acquiredAtMs).toISOString()} but no run is using this lake ` +
    `(it was killed or crashed): taking the lock over and marking ${dead} ABORTED`
  );
}

/** One line for `status`: who holds the lock, since when, until when. */
export function describeLockState(state: LockState, nowMs: number): string {
  const expired = state.expiresAtMs < nowMs ? ' (expired)' : '';
  return `lock: held by ${executionName(state.holder)} since ${new Date(state.acquiredAtMs).toISOString()}, expires ${new Date(state.expiresAtMs).toISOString()}${expired}`;
}
