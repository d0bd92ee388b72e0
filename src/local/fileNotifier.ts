/**
 * The local SNS topic: each alert becomes one JSON file under `<lake>/_alerts/` and one line on
 * stderr, so a failed local run is both visible at once and inspectable later.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Notifier } from '../core/ports';

/** What an alert file holds. */
export interface AlertFile {
  subject: string;
  message: Record<string, unknown>;
  /** ISO time, UTC */
  publishedAt: string;
}

/** Longest stderr line; the file has the whole message. */
const MAX_LINE = 400;

export class FileNotifier implements Notifier {
  readonly alertsDir: string;

  /**
   * @param lakeDir the lake folder; alerts go to `<lakeDir>/_alerts/`
   * @param stderr where the one-line alert is printed
   * @param nowMs the clock (injected so tests get stable file names)
   */
  constructor(
    lakeDir: string,
    private readonly stderr: Pick<NodeJS.WritableStream, 'write'> = process.stderr,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.alertsDir = join(resolve(lakeDir), '_alerts');
  }

  /**
   * Writes `<lake>/_alerts/<time>-<id>.json` (time as ISO with `:` → `-`, so the name is valid on
   * every file system and sorts by time) atomically, then prints `alert: <subject> …` to stderr.
   * @returns when the file is written
   * @example await notifier.publish('lakestep run failed', { executionId: 'exec-1', failedDays: ['2024-03-05'], cause: '…' })
   */
  async publish(subject: string, message: Record<string, unknown>): Promise<void> {
    const publishedAt = new Date(this.nowMs()).toISOString();
    const name = `${publishedAt.replace(/:/g, '-')}-${randomBytes(4).toString('hex')}.json`;
    const path = join(this.alertsDir, name);
    const body: AlertFile = { subject, message, publishedAt };
    await mkdir(this.alertsDir, { recursive: true });
    await writeFile(`${path}.tmp`, JSON.stringify(body, null, 2) + '\n');
    await rename(`${path}.tmp`, path);
    this.stderr.write(`${alertLine(subject)} (${join('_alerts', name)})\n`);
  }
}

/**
 * `alert: <subject>`, one line: the run prints the cause and the days itself (once), and the alert
 * file holds the whole message; the execution's id is in the subject by name.
 */
export function alertLine(subject: string): string {
  const line = `alert: ${subject}`.replace(/\s*\n\s*/g, ' ');
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line;
}
