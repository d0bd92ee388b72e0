/**
 * Where run reports live in the lake: `_reports/<execution>.json` (the report) and
 * `_reports/<execution>.html` (the page), plus `_reports/_latest.json`, a pointer to the newest,
 * so `lakestep report` need not read every report to find it.
 */
import { chainName } from '../core/input';
import type { Ledger, ObjectStore } from '../core/ports';
import { executionName } from '../core/runKeys';
import { buildLakePage } from './lakePage';
import { renderLakePageHtml } from './lakePageHtml';
import type { RunReport } from './runReport';
import { renderRunReportHtml } from './runReportHtml';

export const REPORTS_PREFIX = '_reports/';
export const LATEST_KEY = `${REPORTS_PREFIX}_latest.json`;
/** The lake page: every table's days by state, rows and rejects over time, the run history. */
export const LAKE_PAGE_KEY = `${REPORTS_PREFIX}index.html`;

/** The newest report's keys, kept at LATEST_KEY. */
export interface LatestPointer {
  execution: string;
  jsonKey: string;
  htmlKey?: string;
  /** ISO 8601, when the report has it */
  endedAt?: string;
}

/** `_reports/<execution>.json` and `.html`; the execution's name only (ARN prefix dropped). */
export function reportKeys(execution: string): { jsonKey: string; htmlKey: string } {
  const name = executionName(execution);
  return { jsonKey: `${REPORTS_PREFIX}${name}.json`, htmlKey: `${REPORTS_PREFIX}${name}.html` };
}

/**
 * Writes the page, then the JSON, then the pointer: a reader that finds the JSON finds the page.
 * @param html the page; default renderRunReportHtml(report)
 * @returns the keys written
 */
export async function writeRunReport(
  store: ObjectStore,
  report: RunReport,
  html?: string,
): Promise<{ jsonKey: string; htmlKey: string }> {
  const keys = reportKeys(report.execution);
  const htmlKey = await store.putText(keys.htmlKey, html ?? renderRunReportHtml(report), 'text/html; charset=utf-8');
  const jsonKey = await store.putJson(keys.jsonKey, report);
  const pointer: LatestPointer = {
    execution: report.execution,
    jsonKey,
    htmlKey,
    ...(report.endedAt ? { endedAt: report.endedAt } : {}),
  };
  await store.putJson(LATEST_KEY, pointer);
  return { jsonKey, htmlKey };
}

/** A report by execution name (or full id); undefined when there is none. */
export async function readRunReport(
  store: ObjectStore,
  execution: string,
): Promise<{ report: RunReport; jsonKey: string; htmlKey?: string } | undefined> {
  const { jsonKey, htmlKey } = reportKeys(execution);
  const report = await store.getJson<RunReport>(jsonKey);
  if (!report) return undefined;
  const hasHtml = (await store.list(htmlKey)).some((o) => o.key === htmlKey);
  return { report, jsonKey, ...(hasHtml ? { htmlKey } : {}) };
}

/**
 * The newest report: the one the pointer names, or (no pointer, or it names a report since
 * removed) the one with the latest `endedAt` among all, then the greatest key.
 * @returns undefined when the lake has no report
 */
export async function latestReport(
  store: ObjectStore,
): Promise<{ report: RunReport; jsonKey: string; htmlKey?: string } | undefined> {
  const pointer = await store.getJson<LatestPointer>(LATEST_KEY);
  if (pointer) {
    const found = await readRunReport(store, pointer.execution);
    if (found) return found;
  }
  const keys = (await store.list(REPORTS_PREFIX))
    .map((o) => o.key)
    .filter((k) => k.endsWith('.json') && k !== LATEST_KEY);
  let best: { report: RunReport; key: string } | undefined;
  for (const key of keys) {
    const report = await store.getJson<RunReport>(key);
    if (!report) continue;
    const newer =
      !best ||
      (report.endedAt ?? '') > (best.report.endedAt ?? '') ||
      ((report.endedAt ?? '') === (best.report.endedAt ?? '') && key > best.key);
    if (newer) best = { report, key };
  }
  return best ? readRunReport(store, best.report.execution) : undefined;
}

/** Names of the stored reports (for an error message that lists them), newest pointer aside. */
export async function listReports(store: ObjectStore): Promise<string[]> {
  return (await store.list(REPORTS_PREFIX))
    .map((o) => o.key)
    .filter((k) => k.endsWith('.json') && k !== LATEST_KEY)
    .map((k) => k.slice(REPORTS_PREFIX.length, -'.json'.length));
}

/**
 * The reports of every execution of the run `execution` belongs to (a run cut by
 * maxStepsPerExecution goes on in executions named `<chain>-after-<day>`), in the order they ran:
 * the first, then by cut day. Just the one report for a run that was not cut.
 */
export async function chainReports(store: ObjectStore, execution: string): Promise<RunReport[]> {
  const chain = chainName(executionName(execution));
  // '-' sorts before any 'after-' suffix would follow a shorter name: plain string order is run order
  const names = (await listReports(store)).filter((name) => chainName(name) === chain).sort();
  const reports = await Promise.all(names.map((name) => store.getJson<RunReport>(reportKeys(name).jsonKey)));
  return reports.filter((r): r is RunReport => r !== undefined);
}

/**
 * Writes the lake page (LAKE_PAGE_KEY) from the ledger as it is now: call it after the execution's
 * record and its run page are written, so both show on it.
 * @param stageVersions table → hash of its stage SQL as it is now (currentStageVersions); the page lists these tables in this order
 * @param nowMs epoch ms the page is made at
 * @returns the key written
 */
export async function writeLakePage(
  store: ObjectStore,
  ledger: Pick<Ledger, 'outputDays' | 'rawPartitions' | 'executions'>,
  stageVersions: Record<string, string>,
  nowMs: number,
): Promise<string> {
  const tables = await Promise.all(
    Object.entries(stageVersions).map(async ([table, stageVersion]) => ({
      table,
      stageVersion,
      outputs: await ledger.outputDays(table),
      raw: await ledger.rawPartitions(table),
    })),
  );
  const pages = (await store.list(REPORTS_PREFIX))
    .map((o) => o.key)
    .filter((k) => k.endsWith('.html') && k !== LAKE_PAGE_KEY);
  const reportNames = new Set(pages.map((k) => k.slice(REPORTS_PREFIX.length, -'.html'.length)));
  const page = buildLakePage(tables, await ledger.executions(), reportNames, nowMs);
  return store.putText(LAKE_PAGE_KEY, renderLakePageHtml(page), 'text/html; charset=utf-8');
}
