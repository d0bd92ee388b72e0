/**
 * Stages a step's raw files on worker threads (rawStagingWorker.ts runs rawStaging.stageFile), one
 * file at a time per worker. Splitting is byte-by-byte JavaScript, so it scales with cores, and it
 * is done before DuckDB reads anything: measured on the bench (2 cores), overlapping Node's staging
 * with DuckDB's inserts cost more CPU (≈ 22 CPU-s against ≈ 13) than running them one after the other.
 */
import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { StagedFile, StageTask } from './rawStaging';

/**
 * Stages every file on up to `threads` worker threads (default: one per core), handing each
 * worker the next file as it finishes one. Results come back in task order.
 * @throws the first worker's error (the others are stopped)
 */
export async function stageFiles(tasks: StageTask[], threads = availableParallelism()): Promise<StagedFile[]> {
  const results: StagedFile[] = new Array(tasks.length);
  const count = Math.max(1, Math.min(threads, tasks.length));
  if (tasks.length === 0) return results;
  // From the TypeScript sources (tsx, ts-jest) the worker needs tsx's loader; compiled, it does not.
  const ext = extname(__filename);
  const workerFile = join(__dirname, `rawStagingWorker${ext}`);
  const execArgv = ext === '.ts' ? ['--require', require.resolve('tsx/cjs')] : [];
  const workers = Array.from({ length: count }, () => new Worker(workerFile, { execArgv }));
  const slot = new Map(tasks.map((task, k) => [task.fileId, k]));
  let next = 0;
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const feed = () => {
              if (next >= tasks.length) return resolve();
              worker.postMessage(tasks[next++]);
            };
            worker.on('message', (staged: StagedFile) => {
              results[slot.get(staged.fileId)!] = staged;
              feed();
            });
            worker.on('error', reject);
            worker.on('exit', (code) =>
              code === 0 ? resolve() : reject(new Error(`raw staging worker exited with code ${code}`)),
            );
            feed();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
