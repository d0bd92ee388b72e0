/** Checks of one table's declarations that the schema cannot express: raw columns by format, checks, partition columns. */
import { ConfigError } from '../core/errors';
import { DAY_COLUMN, partitionColumns } from '../core/partitionLayout';
import type { ParsedDataset, RawColumn, TableConfig } from './config';

/**
 * Declared columns → RawColumn, with what depends on the format checked: `raw.csv` only for csv;
 * `position` only (and then on every column) for headerless CSV; one path may not run through
 * another's value (`a` and `a.b`): a value is either a leaf or an object.
 * @throws ConfigError naming the column
 */
export function normaliseColumns(
  where: string,
  raw: ParsedDataset['raw'],
  declared: ParsedDataset['columns'],
): Record<string, RawColumn> {
  if (raw.csv && raw.format !== 'csv')
    throw new ConfigError(`${where}.raw.csv`, `is for format csv only (format is ${raw.format})`);
  const headerless = raw.format === 'csv' && raw.csv?.header === false;
  const columns: Record<string, RawColumn> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const full = typeof spec === 'string' ? { type: spec } : spec;
    const at = `${where}.columns.${name}`;
    if (headerless && full.position === undefined)
      throw new ConfigError(at, 'needs a position (raw.csv.header is false: fields are found by 0-based position)');
    if (!headerless && full.position !== undefined)
      throw new ConfigError(`${at}.position`, 'is for headerless CSV only (raw.csv.header: false); use path');
    if (full.unit !== undefined && full.type !== 'timestamp')
      throw new ConfigError(`${at}.unit`, `is for timestamp columns only (type is ${full.type})`);
    columns[name] = {
      type: full.type,
      path: full.path ?? name,
      ...(full.position !== undefined ? { position: full.position } : {}),
      unit: full.unit ?? 'ms',
    };
  }
  if (raw.format !== 'csv') {
    const paths = Object.entries(columns).map(([name, c]) => [name, `${c.path}.`] as const);
    for (const [a, pa] of paths) {
      for (const [b, pb] of paths) {
        if (a !== b && pb.startsWith(pa))
          throw new ConfigError(
            `${where}.columns.${b}.path`,
            `runs through the value of column "${a}" (path ${pa.slice(0, -1)}): a value is a leaf or an object, not both`,
          );
        if (a < b && pa === pb)
          throw new ConfigError(
            `${where}.columns.${b}.path`,
            `is also the path of column "${a}" (expected one column per value)`,
          );
      }
    }
  }
  return columns;
}

/**
 * A check names only output columns, and a pattern compiles: refused at load, not when a step runs it.
 * A pattern is checked with JavaScript's RegExp, which catches what RE2 (DuckDB) and Java (Spark) would
 * refuse too (an unclosed group, a dangling quantifier), not every syntax one of them lacks.
 * @throws ConfigError naming the check's key path
 */
export function checkedColumnsKnown(path: string, table: TableConfig): void {
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
export function partitionColumnsFree(path: string, table: TableConfig): void {
  for (const col of partitionColumns(table.partitionLayout)) {
    if (col !== DAY_COLUMN && col in table.output) {
      throw new ConfigError(
        `${path}.output.${col}`,
        `is a partition column of partitionLayout ${table.partitionLayout} (rename it, or use partitionLayout date)`,
      );
    }
  }
}
