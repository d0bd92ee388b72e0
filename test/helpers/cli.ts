/** Runs the `lakestep` command in-process through main(), capturing its output and exit code. */
import { PassThrough } from 'node:stream';
import { main, type Io } from '../../src/cli/program';
import { TerminalReporter } from '../../src/cli/reporter';

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
