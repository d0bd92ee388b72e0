/** Cuts a table's planned days into step groups: contiguous runs, at most `maxDaysPerStep` days a step. */
import { addDays } from './days';
import { type Period, type ReadWindow, rawDaysForRange, readDaysFor } from './dependencies';
import type { Day, StepGroup, TableRange } from './types';

/**
 * Cuts ascending, distinct days (Mondays for a weekly table) into step groups: contiguous runs (a day,
 * or a week, apart), each cut greedily into groups of at most `maxDaysPerStep` days. A group reads its
 * raw range (datasets: first−L … last+L) and, per processed input, the union of its days' windows.
 * @example groupDays('access_records', 1, ['2024-03-05', '2024-03-06', '2024-03-09'], 7)
 * // [{ groupId: 'access_records-2024-03-05', days: [05, 06], rawDays: 04 … 07 }, { groupId: 'access_records-2024-03-09', … }]
 */
export function groupDays(
  dataset: string,
  lateDays: number | undefined,
  days: Day[],
  maxDaysPerStep: number,
  shape: { phase: number; period: Period; reads: ReadWindow[] } = { phase: 0, period: 'day', reads: [] },
): StepGroup[] {
  const step = shape.period === 'week' ? 7 : 1;
  const groups: StepGroup[] = [];
  let current: Day[] = [];
  const close = () => {
    if (current.length === 0) return;
    const [first, last] = [current[0], current[current.length - 1]];
    const reads: TableRange[] = shape.reads.map((read) => ({
      table: read.table,
      from: readDaysFor(first, read)[0],
      to: addDays(last, read.toDays),
    }));
    groups.push({
      groupId: `${dataset}-${first}`,
      dataset,
      phase: shape.phase,
      period: shape.period,
      days: current,
      rawDays: lateDays === undefined ? [] : rawDaysForRange(first, last, lateDays),
      reads,
    });
    current = [];
  };
  for (const day of days) {
    const last = current[current.length - 1];
    if (last !== undefined && (addDays(last, step) !== day || current.length >= maxDaysPerStep)) close();
    current.push(day);
  }
  close();
  return groups;
}
