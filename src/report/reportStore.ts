/**
 * Where run reports live in the lake: `_reports/<execution>.json` (the report) and
 * `_reports/<execution>.html` (the page), plus `_reports/_latest.json`, a pointer to the newest,
 * so `lakestep report` need not read every report to find it.
 *
 * The ObjectStore port writes JSON only; the page needs a text write with a content type. Until
 * the port grows an optional `putText` (proposed), a store that has one is used as is, and a
 * FolderObjectStore gets folderTextWriter below.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ObjectStore } from '../core/ports';
import { FolderObjectStore } from '../local/folderObjectStore';
import { renderRunReportHtml, type RunReport } from './runReport';

export const REPORTS_PREFIX = '_reports/';
export const LATEST_KEY = `${REPORTS_PREFIX}_latest.json`;

/** Writes a text object (the S3 adapter would set ContentType). */
export interface TextWriter {
  /** @returns the key written */
  putText(key: string, text: string, contentType: string): Promise<string>;
}

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
  const name = execution.slice(execution.lastIndexOf(':') + 1);
  return { jsonKey: `${REPORTS_PREFIX}${name}.json`, htmlKey: `${REPORTS_PREFIX}${name}.html` };
}

/**
 * A TextWriter over a lake folder: atomic like FolderObjectStore.putJson (temp file, then rename).
 * @example await folderTextWriter(store).putText('_reports/run-1.html', html, 'text/html; charset=utf-8')
 */
export function folderTextWriter(store: FolderObjectStore): TextWriter {
  return {
    async putText(key, text) {
      const path = store.localPath(key);
      await mkdir(dirname(path), { recursive: true });
      // the same temp mark as FolderObjectStore, so list() never shows a half-written page
      const temp = `${path}.lakestep-tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      try {
        await writeFile(temp, text, 'utf8');
        await rename(temp, path);
      } catch (e) {
        await rm(temp, { force: true });
        throw e;
      }
      return key;
    },
  };
}

function textWriterOf(store: ObjectStore & Partial<TextWriter>): TextWriter | undefined {
  if (typeof store.putText === 'function') return store as TextWriter;
  if (store instanceof FolderObjectStore) return folderTextWriter(store);
  return undefined;
}

/**
 * Writes the page, then the JSON, then the pointer: a reader that finds the JSON finds the page.
 * @param store the lake; its `putText` (or, for a folder, folderTextWriter) writes the page; without one only the JSON is written
 * @param html the page; default renderRunReportHtml(report)
 * @returns the keys written (`htmlKey` undefined when the store cannot write text)
 */
export async function writeRunReport(store: ObjectStore & Partial<TextWriter>, report: RunReport, html?: string): Promise<{ jsonKey: string; htmlKey?: string }> {
  const keys = reportKeys(report.execution);
  const text = textWriterOf(store);
  const htmlKey = text ? await text.putText(keys.htmlKey, html ?? renderRunReportHtml(report), 'text/html; charset=utf-8') : undefined;
  const jsonKey = await store.putJson(keys.jsonKey, report);
  const pointer: LatestPointer = { execution: report.execution, jsonKey, ...(htmlKey ? { htmlKey } : {}), ...(report.endedAt ? { endedAt: report.endedAt } : {}) };
  await store.putJson(LATEST_KEY, pointer);
  return { jsonKey, ...(htmlKey ? { htmlKey } : {}) };
}

/** A report by execution name (or full id); undefined when there is none. */
export async function readRunReport(store: ObjectStore, execution: string): Promise<{ report: RunReport; jsonKey: string; htmlKey?: string } | undefined> {
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
export async function latestReport(store: ObjectStore): Promise<{ report: RunReport; jsonKey: string; htmlKey?: string } | undefined> {
  const pointer = await store.getJson<LatestPointer>(LATEST_KEY);
  if (pointer) {
    const found = await readRunReport(store, pointer.execution);
    if (found) return found;
  }
  const keys = (await store.list(REPORTS_PREFIX)).map((o) => o.key).filter((k) => k.endsWith('.json') && k !== LATEST_KEY);
  let best: { report: RunReport; key: string } | undefined;
  for (const key of keys) {
    const report = await store.getJson<RunReport>(key);
    if (!report) continue;
    const newer = !best || (report.endedAt ?? '') > (best.report.endedAt ?? '') || ((report.endedAt ?? '') === (best.report.endedAt ?? '') && key > best.key);
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
