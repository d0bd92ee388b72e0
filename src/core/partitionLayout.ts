/**
 * How a table's day partitions are named in the lake: the one place of the rule. Both engines write
 * by it (the DuckDB writer calls it; the PySpark driver gets its answers in the StepSpec, see
 * {@link dayPartitions}), and adoption, the local catalog and the crawl find days by it.
 *
 * - `ymd` (the default): `year=YYYY/month=MM/day=DD`, zero-padded; partition columns year, month, day.
 * - `date`: `record_date=YYYY-MM-DD` (what Sage's current tables and their downstream ingestion
 *   use); partition column record_date.
 *
 * The partition columns are never inside the Parquet files (Spark's `partitionBy` convention, and
 * what Glue needs: a partition key that is also a file column makes Athena refuse the table). So
 * under `date` the files lose the day column `record_date`; an engine reading a processed table for
 * a later stage puts it back, as a DATE, from the folder. Glue crawlers type partition columns as
 * strings, and the local catalog does the same (docs/tables.md "Partition layout").
 */
import { epochDayOf, isDay, type Day } from './days';

export const PARTITION_LAYOUTS = ['ymd', 'date'] as const;
export type PartitionLayout = (typeof PARTITION_LAYOUTS)[number];

/** The DATE column of every stage output that names each row's day (docs/stage-contract.md). */
export const DAY_COLUMN = 'record_date';

/** The layout of a table that names none. */
export const DEFAULT_PARTITION_LAYOUT: PartitionLayout = 'ymd';

/**
 * The layout of every quarantine table (`rejected/<table>/`, and a run's `_runs/…/rejected/<table>/`):
 * lakestep's own tables, partitioned by arrival day (`arrival_day` stays in the files), whatever the
 * layout of the table they belong to.
 */
export const REJECTED_PARTITION_LAYOUT: PartitionLayout = 'ymd';

/** Partition columns of a layout, in folder order (outermost first). */
export function partitionColumns(layout: PartitionLayout): string[] {
  return layout === 'date' ? [DAY_COLUMN] : ['year', 'month', 'day'];
}

/**
 * Partition path of a day under a table's prefix (no leading or trailing slash).
 * @throws InputError when `day` is not a calendar date
 * @example partitionPath('2024-01-05') // 'year=2024/month=01/day=05'
 * @example partitionPath('2024-01-05', 'date') // 'record_date=2024-01-05'
 */
export function partitionPath(day: Day, layout: PartitionLayout = DEFAULT_PARTITION_LAYOUT): string {
  epochDayOf(day);
  return layout === 'date'
    ? `${DAY_COLUMN}=${day}`
    : `year=${day.slice(0, 4)}/month=${day.slice(5, 7)}/day=${day.slice(8, 10)}`;
}

const PATTERNS: Record<PartitionLayout, RegExp> = {
  ymd: /(?:^|\/)year=(\d{4})\/month=(\d{2})\/day=(\d{2})(?:\/|$)/,
  date: /(?:^|\/)record_date=(\d{4})-(\d{2})-(\d{2})(?:\/|$)/,
};

/**
 * Inverse of {@link partitionPath}: the day of the first run of whole segments in the layout's shape
 * anywhere in a key (zero-padded, as partitionPath writes it); undefined when there is none, when it
 * names no calendar date, or when it is the other layout's shape.
 * @example dayOfPartitionPath('processed/t/year=2024/month=01/day=05/part-0.parquet') // '2024-01-05'
 * @example dayOfPartitionPath('processed/t/record_date=2024-01-05/part-0.parquet', 'date') // '2024-01-05'
 */
export function dayOfPartitionPath(path: string, layout: PartitionLayout = DEFAULT_PARTITION_LAYOUT): Day | undefined {
  const match = PATTERNS[layout].exec(path);
  if (!match) return undefined;
  const day = `${match[1]}-${match[2]}-${match[3]}`;
  return isDay(day) ? day : undefined;
}

/**
 * What an engine needs to write or read a table's day partitions without knowing the rule: the
 * partition columns (kept out of the files) and each day's path. Carried by the StepSpec.
 */
export interface DayPartitions {
  layout: PartitionLayout;
  /** e.g. `['record_date']`; never columns of the Parquet files */
  columns: string[];
  /** day → partition path under the table prefix, e.g. `{ '2024-03-05': 'record_date=2024-03-05' }` */
  paths: Record<Day, string>;
}

/**
 * The partitions of `days` in `layout`, for a StepSpec.
 * @throws InputError when a day is not a calendar date
 * @example dayPartitions('date', ['2024-03-05']) // { layout: 'date', columns: ['record_date'], paths: { '2024-03-05': 'record_date=2024-03-05' } }
 */
export function dayPartitions(layout: PartitionLayout, days: Day[]): DayPartitions {
  return {
    layout,
    columns: partitionColumns(layout),
    paths: Object.fromEntries(days.map((day) => [day, partitionPath(day, layout)])),
  };
}
