/**
 * What `lakestep run` prints when an execution fails: the cause once (a step's own error was
 * printed when the step failed, so it is not repeated), without class-name prefixes, then the
 * command that retries the failed days. Pure.
 */
import { formatDayRanges } from '../core/days';
import type { RunSummary } from '../core/summary';
import { plural } from './plural';

/** `RejectThresholdError: 12 of 100 …` → `12 of 100 …`: the name is the Retry/Catch contract, not news to a reader. */
export const withoutErrorName = (text: string) => text.replace(/^[A-Z][A-Za-z]*Error: /, '');

/** A failed step's days carry `StepFailedError: step <id> failed: …`, which the progress line showed when it failed. */
const STEP_FAILED = /^StepFailedError: step \S+ (failed|cancelled)/;

/**
 * @param execution the execution's name
 * @param error the execution's error (`Error`/`Cause` as the state machine ends with them)
 * @param summary the run summary, when CommitLedger wrote one
 * @param whereArgs the rerun's arguments that say where: ` --lake DIR` when the lake is not the default, ` --stage S` on AWS, else ''
 * @example failureLines('run-1', { Error: 'DaysFailedError' }, summary, '') // ['error: execution run-1 failed: 2 of 19 days failed: node_snapshots 2024-03-04…2024-03-05 (their step failed: its error is above)', 'retry them: lakestep run --rerun run-1']
 */
export function failureLines(
  execution: string,
  error: { Error?: string; Cause?: string } | undefined,
  summary: Pick<RunSummary, 'failedDays' | 'days'> | undefined,
  whereArgs: string,
): string[] {
  if (!summary?.failedDays.length) {
    return [
      `error: execution ${execution} failed: ${withoutErrorName(`${error?.Error ?? 'UnknownError'}: ${error?.Cause ?? 'no cause given'}`)}`,
    ];
  }
  const groups = new Map<string, { dataset: string; error: string; days: string[] }>();
  for (const f of summary.failedDays) {
    const text = STEP_FAILED.test(f.error) ? 'their step failed: its error is above' : withoutErrorName(f.error);
    const key = `${f.dataset}\u0000${text}`;
    if (!groups.has(key)) groups.set(key, { dataset: f.dataset, error: text, days: [] });
    groups.get(key)!.days.push(f.day);
  }
  const list = [...groups.values()].map((g) => `${g.dataset} ${formatDayRanges(g.days)} (${g.error})`).join('; ');
  return [
    `error: execution ${execution} failed: ${summary.failedDays.length} of ${plural(summary.days.length, 'day')} failed: ${list}`,
    `retry them: lakestep run --rerun ${execution}${whereArgs}`,
  ];
}
