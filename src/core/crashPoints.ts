/**
 * Named crash points for fault-injection tests. When `LAKESTEP_CRASH_AT` names the point, the process
 * kills itself with SIGKILL right there: no `finally`, no exit handlers, no flush — what `kill -9`,
 * an OOM kill or a power cut does. Unset (always, outside tests), a crash point is a no-op.
 *
 * Points (grep `crashPoint(` for where each sits):
 * - `lock-acquired`: AcquireLock has taken the lock and recorded the execution RUNNING
 * - `publish-moved`: the first day of a step's table write has its new files in place and its old
 *   ones still there (the days after it are not moved yet)
 * - `ledger-batch-<n>`: the ledger commit wrote its n-th batch (of ≤ 25 items), not the ones after
 *
 * Hold points pause instead (`LAKESTEP_HOLD_AT=<point>`) until the file `LAKESTEP_HOLD_UNTIL`
 * exists, so a test can act while a process sits at the point (no timing involved):
 * - `store-open`: a local command has opened the lake's ledger store (and holds it)
 */
import { existsSync } from 'node:fs';

export function crashPoint(label: string): void {
  if (process.env.LAKESTEP_CRASH_AT !== label) return;
  process.kill(process.pid, 'SIGKILL');
  // The signal is delivered asynchronously on some systems: block until it lands.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
}

/** Pauses at a named hold point until the file `$LAKESTEP_HOLD_UNTIL` exists (no-op unless `LAKESTEP_HOLD_AT` names the point). */
export async function holdPoint(label: string): Promise<void> {
  const until = process.env.LAKESTEP_HOLD_UNTIL;
  if (process.env.LAKESTEP_HOLD_AT !== label || !until) return;
  while (!existsSync(until)) await new Promise((resolve) => setTimeout(resolve, 50));
}
