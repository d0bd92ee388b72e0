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
