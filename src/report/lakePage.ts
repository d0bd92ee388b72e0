/**
 * The lake page's model (`_reports/index.html`): every table's day partitions by state over the
 * calendar, its rows and rejects per day, and the run history. Pure: built from ledger rows (output
 * days, raw partitions, executions) and the stage versions as they are now; ./lakePageHtml.ts
 * renders it.
 */
import { dayRange } from '../core/days';
import type { ExecutionRecord } from '../core/ports';
import type { Day, OutputDayState, RawPartitionState } from '../core/types';
import { executionName } from '../core/runKeys';

/**
 * A table's day on the calendar. `failed`: an execution failed the day after the ledger's last
 * commit of it (or it was never committed); `missing raw`: a dataset's arrival day with no raw
 * partition between its first and last one; `stale`: made by an older stage SQL; `none`: nothing.
 * The first that applies wins, in that order, then `ok`.
 */
export type CellState = 'ok' | 'stale' | 'failed' | 'missing raw' | 'none';

/** Order of the legend, worst first. */
export const CELL_STATES: CellState[] = ['failed', 'missing raw', 'stale', 'ok', 'none'];

export interface LakeCell {
  day: Day;
  state: CellState;
  /** output rows the ledger holds for the day (0 when none) */
  rows: number;
  /** quarantined records of arrival day `day` (0 when none) */
  rejected: number;
}

export interface LakeTable {
  table: string;
  /** one cell per day of LakePage.days (the same calendar for every table) */
  cells: LakeCell[];
  /** days per state (states with no day absent) */
  counts: Partial<Record<CellState, number>>;
  /** sums over the ledger's output days */
  totalRows: number;
  totalRejected: number;
}

export interface LakeRun {
  execution: string;
  status: ExecutionRecord['status'];
  /** ISO 8601 UTC */
  startedAt: string;
  endedAt?: string;
  /** s, when ended */
  durationSeconds?: number;
  failedDays: number;
  cause?: string;
  /** the run page, relative to the lake page (`<execution>.html`), when one was written */
  href?: string;
}

export interface LakePage {
  /** ISO 8601 UTC */
  generatedAt: string;
  /** every calendar day from the first to the last day any table has, ascending; at most MAX_DAYS (the newest) */
  days: Day[];
  tables: LakeTable[];
  /** newest first, at most MAX_RUNS */
  runs: LakeRun[];
  /** runs left out of `runs` */
  olderRuns: number;
}

/** Ledger rows of one table. `raw` is empty for an aggregate (it has no raw partitions). */
export interface TableRows {
  table: string;
  /** the hash of the table's stage SQL as it is now (stageVersion) */
  stageVersion: string;
  outputs: OutputDayState[];
  raw: RawPartitionState[];
}

/** The calendar shows the newest three years at most: a page a browser opens in a blink. */
export const MAX_DAYS = 3 * 366;
/** Run history rows kept on the page. */
export const MAX_RUNS = 200;

/**
 * Builds the lake page's model.
 * @param tables ledger rows per table, in the order the page lists them
 * @param executions the ledger's execution records (any order)
 * @param reportNames executions that have a run page (`_reports/<name>.html`)
 * @param nowMs epoch ms the page is made at
 * @example buildLakePage([{ table: 'access_records', stageVersion: 'v1', outputs, raw }], executions, new Set(['run-1']), Date.now()).tables[0].counts.ok
 */
export function buildLakePage(
  tables: TableRows[],
  executions: ExecutionRecord[],
  reportNames: Set<string>,
  nowMs: number,
): LakePage {
  const allDays = tables
    .flatMap((t) => [
      ...t.outputs.map((o) => o.day),
      ...t.raw.map((r) => r.day),
      ...failedDaysOf(t.table, t.outputs, executions),
    ])
    .sort();
  const calendar = allDays.length ? dayRange(allDays[0], allDays[allDays.length - 1]).slice(-MAX_DAYS) : [];
  const runs = [...executions].sort(
    (a, b) => b.startedAtMs - a.startedAtMs || (a.executionId < b.executionId ? 1 : -1),
  );
  return {
    generatedAt: new Date(nowMs).toISOString(),
    days: calendar,
    tables: tables.map((t) => lakeTable(t, calendar, executions)),
    runs: runs.slice(0, MAX_RUNS).map((e) => lakeRun(e, reportNames)),
    olderRuns: Math.max(0, runs.length - MAX_RUNS),
  };
}

function lakeTable(t: TableRows, calendar: Day[], executions: ExecutionRecord[]): LakeTable {
  const outputs = new Map(t.outputs.map((o) => [o.day, o]));
  const failed = new Set(failedDaysOf(t.table, t.outputs, executions));
  const rawDays = t.raw.map((r) => r.day).sort();
  const present = new Set(rawDays);
  const cells = calendar.map((day): LakeCell => {
    const o = outputs.get(day);
    const missingRaw = rawDays.length > 0 && day > rawDays[0] && day < rawDays[rawDays.length - 1] && !present.has(day);
    const state: CellState = failed.has(day)
      ? 'failed'
      : missingRaw
        ? 'missing raw'
        : !o
          ? 'none'
          : o.stageVersion === t.stageVersion
            ? 'ok'
            : 'stale';
    return { day, state, rows: o?.recordsOut ?? 0, rejected: o?.rejected ?? 0 };
  });
  const counts: Partial<Record<CellState, number>> = {};
  for (const c of cells) if (c.state !== 'none') counts[c.state] = (counts[c.state] ?? 0) + 1;
  return {
    table: t.table,
    cells,
    counts,
    totalRows: t.outputs.reduce((n, o) => n + o.recordsOut, 0),
    totalRejected: t.outputs.reduce((n, o) => n + o.rejected, 0),
  };
}

/** Days of `table` some execution failed after the ledger last committed them (or that were never committed). */
function failedDaysOf(table: string, outputs: OutputDayState[], executions: ExecutionRecord[]): Day[] {
  const committedAt = new Map(outputs.map((o) => [o.day, o.committedAtMs]));
  const failed = new Set<Day>();
  for (const e of executions) {
    const failedAtMs = e.endedAtMs ?? e.startedAtMs;
    for (const f of e.failedDays) {
      if (f.dataset !== table) continue;
      const committed = committedAt.get(f.day);
      if (committed === undefined || committed < failedAtMs) failed.add(f.day);
    }
  }
  return [...failed];
}

function lakeRun(e: ExecutionRecord, reportNames: Set<string>): LakeRun {
  const name = executionName(e.executionId);
  return {
    execution: name,
    status: e.status,
    startedAt: new Date(e.startedAtMs).toISOString(),
    ...(e.endedAtMs !== undefined
      ? {
          endedAt: new Date(e.endedAtMs).toISOString(),
          durationSeconds: Math.round((e.endedAtMs - e.startedAtMs) / 100) / 10,
        }
      : {}),
    failedDays: e.failedDays.length,
    ...(e.cause ? { cause: e.cause } : {}),
    ...(reportNames.has(name) ? { href: `${encodeURIComponent(name)}.html` } : {}),
  };
}
