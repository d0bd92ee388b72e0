/**
 * What an execution that committed days tells downstream (pure): the days it changed per table, and the
 * exports those changes make due.
 */
import type { Day, OutputDayState } from './types';

/** The completion event's fixed fields, what a rule's pattern matches on (EventBridge's default bus on AWS). */
export const RUN_COMPLETED = { source: 'lakestep', detailType: 'Run Completed', bus: 'default' } as const;

/**
 * Table → the days committed, sorted and distinct, tables in name order.
 * @example changedDaysByTable([{ dataset: 'a', day: '2024-03-05', … }, { dataset: 'a', day: '2024-03-04', … }]) // { a: ['2024-03-04', '2024-03-05'] }
 */
export function changedDaysByTable(outputs: Pick<OutputDayState, 'dataset' | 'day'>[]): Record<string, Day[]> {
  const byTable = new Map<string, Set<Day>>();
  for (const { dataset, day } of outputs) byTable.set(dataset, (byTable.get(dataset) ?? new Set()).add(day));
  return Object.fromEntries([...byTable.keys()].sort().map((table) => [table, [...byTable.get(table)!].sort()]));
}

/**
 * The exports that read a table with a changed day, in name order.
 * @example dueExports({ e: { name: 'e', reads: ['b'] }, f: { name: 'f', reads: ['c'] } }, { b: ['2024-03-05'] }) // [{ name: 'e', … }]
 */
export function dueExports<E extends { name: string; reads: string[] }>(
  exports: Record<string, E>,
  changed: Record<string, Day[]>,
): E[] {
  return Object.values(exports)
    .filter((exp) => exp.reads.some((table) => (changed[table]?.length ?? 0) > 0))
    .sort((a, b) => a.name.localeCompare(b.name));
}
