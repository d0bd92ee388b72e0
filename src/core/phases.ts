import { InputError } from './errors';

/** A table and the tables it reads (reads of tables not in the list are ignored). */
export interface PhasedTable {
  name: string;
  reads?: { table: string }[];
}

/**
 * Table → phase: 0 for a table that reads none of `tables`, else 1 + the highest phase it reads.
 * A step of phase p runs after every step of phase p−1 in the same execution.
 * @throws InputError (field `<table>.reads`) on a cycle of reads
 */
export function phasesOf(tables: PhasedTable[]): Record<string, number> {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const phases: Record<string, number> = {};
  const visiting = new Set<string>();
  const visit = (name: string): number => {
    if (name in phases) return phases[name];
    if (visiting.has(name))
      throw new InputError(
        `${name}.reads`,
        'reads form a cycle (expected each table to read only tables computed before it)',
      );
    visiting.add(name);
    const reads = (byName.get(name)?.reads ?? []).filter((r) => byName.has(r.table));
    phases[name] = reads.length ? 1 + Math.max(...reads.map((r) => visit(r.table))) : 0;
    visiting.delete(name);
    return phases[name];
  };
  tables.forEach((t) => {
    visit(t.name);
  });
  return phases;
}

/**
 * The tables a run plans: `selected` and, unless `downstream` is false, every table of `tables` that
 * reads one of them, directly or through another (a recomputed day changes what its readers computed).
 * Names in `selected` that are not in `tables` are kept (the caller validated them).
 * @example tablesToPlan(['node_snapshots'], [{ name: 'file_downloads', reads: [{ table: 'node_snapshots' }] },
 *   { name: 'project_downloads_daily', reads: [{ table: 'file_downloads' }] }], true)
 * // Set { 'node_snapshots', 'file_downloads', 'project_downloads_daily' }
 */
export function tablesToPlan(selected: string[], tables: PhasedTable[], downstream: boolean): Set<string> {
  const planned = new Set(selected);
  if (!downstream) return planned;
  // a fixed point: at most one pass per table, as each pass that changes anything adds one
  for (let grew = true; grew; ) {
    grew = false;
    for (const table of tables)
      if (!planned.has(table.name) && (table.reads ?? []).some((r) => planned.has(r.table))) {
        planned.add(table.name);
        grew = true;
      }
  }
  return planned;
}
