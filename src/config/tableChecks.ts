/** Checks of one table's declarations that the schema cannot express: its checks' columns and patterns, partition columns. */
import { ConfigError } from '../core/errors';
import { DAY_COLUMN, type PartitionLayout, partitionColumns } from '../core/partitionLayout';

/** What these checks read of a parsed table (config.ts's TableConfig has this shape; named here to keep config → tableChecks one-way). */
interface CheckedTable {
  output: Record<string, unknown>;
  partitionLayout: PartitionLayout;
  checks: { notNull: string[]; unique: string[][]; accepted: Record<string, unknown>; pattern: Record<string, string> };
}

/**
 * A check names only output columns, and a pattern compiles: refused at load, not when a step runs it.
 * A pattern is checked with JavaScript's RegExp, which catches what RE2 (DuckDB) and Java (Spark) would
 * refuse too (an unclosed group, a dangling quantifier), not every syntax one of them lacks.
 * @throws ConfigError naming the check's key path
 */
export function checkedColumnsKnown(path: string, table: CheckedTable): void {
  const { checks, output } = table;
  const named: [string, string][] = [
    ...checks.notNull.map((c, i): [string, string] => [`notNull.${i}`, c]),
    ...checks.unique.flatMap((cols, i) => cols.map((c, j): [string, string] => [`unique.${i}.${j}`, c])),
    ...Object.keys(checks.accepted).map((c): [string, string] => [`accepted.${c}`, c]),
    ...Object.keys(checks.pattern).map((c): [string, string] => [`pattern.${c}`, c]),
  ];
  for (const [key, col] of named) {
    if (!(col in output))
      throw new ConfigError(
        `${path}.checks.${key}`,
        `"${col}" is not an output column (expected one of ${Object.keys(output).join(', ')})`,
      );
  }
  for (const [col, pattern] of Object.entries(checks.pattern)) {
    try {
      new RegExp(pattern);
    } catch (err) {
      throw new ConfigError(
        `${path}.checks.pattern.${col}`,
        `${JSON.stringify(pattern)} is not a valid regular expression (${(err as Error).message})`,
      );
    }
  }
}

/**
 * The output declares no column the layout's folders name, but the day column `record_date` (under
 * `date` it is the folder, put back as a DATE when a stage reads the table): a file column named like
 * a partition column is shadowed by it in every Hive reader, and Athena refuses such a table.
 * @throws ConfigError naming the output column
 */
export function partitionColumnsFree(path: string, table: CheckedTable): void {
  for (const col of partitionColumns(table.partitionLayout)) {
    if (col !== DAY_COLUMN && col in table.output) {
      throw new ConfigError(
        `${path}.output.${col}`,
        `is a partition column of partitionLayout ${table.partitionLayout} (rename it, or use partitionLayout date)`,
      );
    }
  }
}
