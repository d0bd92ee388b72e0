/**
 * One progress counter over a whole run, when the run is cut into a chain of executions
 * (maxStepsPerExecution): `[done/total]` and the time left, from each execution's plan and the
 * days finished so far. Pure: the caller passes the clock.
 */

/** Where a run stands: day partitions finished, and the count expected over the whole chain. */
export interface ChainProgress {
  /** day partitions finished (succeeded or failed) in every execution so far */
  doneDays: number;
  /** doneDays + the days the current execution planned and has not finished + the days deferred to later executions */
  totalDays: number;
  /** ms when the chain's first step started; undefined before any step */
  firstStepAtMs?: number;
}

export const NO_PROGRESS: ChainProgress = { doneDays: 0, totalDays: 0 };

/**
 * An execution of the chain planned `dirtyDays` and deferred `deferredDays` to the executions after it.
 * The total is what is done plus what is left: each execution plans the rest again (a non-forced run
 * re-plans the days at its cut, so a day may count twice — it is computed twice).
 * @example planned({ doneDays: 6, totalDays: 20 }, 10, 4) // { doneDays: 6, totalDays: 20 }
 */
export function planned(progress: ChainProgress, dirtyDays: number, deferredDays: number): ChainProgress {
  return { ...progress, totalDays: progress.doneDays + dirtyDays + deferredDays };
}

/** A step started at `nowMs` (ms); the first one starts the clock of the estimate. */
export function stepStarted(progress: ChainProgress, nowMs: number): ChainProgress {
  return progress.firstStepAtMs === undefined ? { ...progress, firstStepAtMs: nowMs } : progress;
}

/** `days` more day partitions finished; the total never falls below what is done. */
export function daysDone(progress: ChainProgress, days: number): ChainProgress {
  const doneDays = progress.doneDays + days;
  return { ...progress, doneDays, totalDays: Math.max(progress.totalDays, doneDays) };
}

/**
 * Seconds left at `nowMs`: the wall time per finished day since the first step started (start-up,
 * discovery and the commits between executions included) times the days left; undefined before a
 * day is done, and 0 when none is left.
 * @example remainingSeconds({ doneDays: 5, totalDays: 20, firstStepAtMs: 0 }, 10_000) // 30
 */
export function remainingSeconds(progress: ChainProgress, nowMs: number): number | undefined {
  const left = progress.totalDays - progress.doneDays;
  if (left <= 0) return 0;
  if (!progress.doneDays || progress.firstStepAtMs === undefined) return undefined;
  return (((nowMs - progress.firstStepAtMs) / 1000) * left) / progress.doneDays;
}

/**
 * The estimate as a person reads it: `about 40 s left`, `about 3 min left`, `about 1 h 20 min left`;
 * undefined when there is none or nothing is left.
 */
export function describeRemaining(seconds: number | undefined): string | undefined {
  if (seconds === undefined || seconds <= 0) return undefined;
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds / 5) * 5)} s left`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min left`;
  return `about ${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''} left`;
}
