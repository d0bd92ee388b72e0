/** Runs the `lakestep` command in-process through main(), capturing its output and exit code. */
import { rmSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { generateSample } from '../../examples/synapse/sample/generate';
import type { Io } from '../../src/cli/io';
import { main } from '../../src/cli/program';
import { TerminalReporter } from '../../src/cli/reporter';
import { tmpLake } from './lake';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

export async function lakestep(...args: string[]): Promise<Captured> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  stdout.on('data', (c: Buffer) => chunks.out.push(c));
  stderr.on('data', (c: Buffer) => chunks.err.push(c));
  let code = 0;
  const io: Io = { stdout, reporter: new TerminalReporter(stderr), setExitCode: (c) => (code = c) };
  // main() writes its `error: …` line to process.stderr itself
  const writeErr = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((c: string | Uint8Array) => (chunks.err.push(Buffer.from(c)), true));
  try {
    await main(['node', 'lakestep', ...args], io);
  } finally {
    writeErr.mockRestore();
  }
  return { code, stdout: Buffer.concat(chunks.out).toString(), stderr: Buffer.concat(chunks.err).toString() };
}

/** Writes two days (from 2024-12-31) of the Synapse sample's access records, 20 a hour, into `lake`. */
export const writeSampleLake = (lake: string) =>
  generateSample({
    lakeDir: lake,
    days: 2,
    start: '2024-12-31',
    recordsPerHour: 20,
    seed: 3,
    datasets: ['access_records'],
  });

/**
 * A tmp lake holding writeSampleLake's records, written before the calling file's tests and removed after them.
 * @returns the lake's path
 */
export function useSampleLake(name: string): string {
  const lake = tmpLake(name);
  beforeAll(() => writeSampleLake(lake));
  afterAll(() => rmSync(lake, { recursive: true, force: true }));
  return lake;
}
