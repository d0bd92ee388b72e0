/** Fault injection: runs the real `lakestep` command in a child process that kills itself at a named crash point. */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface CrashedRun {
  /** 'SIGKILL' when the crash point was reached */
  signal: NodeJS.Signals | null;
  status: number | null;
  stderr: string;
}

/**
 * `bin/lakestep <args>` with `LAKESTEP_CRASH_AT=<point>` (see src/core/crashPoints.ts), to its end or its crash.
 * @param env more environment variables for the child
 */
export function runUntilCrash(point: string, args: string[], env: Record<string, string> = {}): CrashedRun {
  const child = spawnSync(process.execPath, [join(__dirname, '..', '..', 'bin', 'lakestep.js'), ...args], {
    env: { ...process.env, ...env, LAKESTEP_CRASH_AT: point },
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { signal: child.signal, status: child.status, stderr: child.stderr };
}

export interface ChildRun {
  status: number | null;
  stderr: string;
}

/**
 * `bin/lakestep <args>` as a child process, asynchronously (so several run at once).
 * @param env more environment variables for the child (e.g. a hold point, see src/core/crashPoints.ts)
 */
export function startLakestep(args: string[], env: Record<string, string> = {}): Promise<ChildRun> {
  const child = spawn(process.execPath, [join(__dirname, '..', '..', 'bin', 'lakestep.js'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}
