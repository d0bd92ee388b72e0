/**
 * moto's AWS protocol server on loopback for integration tests: started on a free port, polled until it
 * answers, stopped after. Tests that need it are skipped, with the reason printed, only when the project's
 * Python venv (which provides moto_server) is absent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { awsClients, type AwsClients } from '../../src/aws/clients';

export const MOTO_SERVER = resolve(__dirname, '../../.venv/bin/moto_server');
export const hasMoto = existsSync(MOTO_SERVER);

/** `describe`, or `describe.skip` with a warning naming the test file when moto_server is absent. */
export function describeIfMoto(testFile: string): jest.Describe {
  if (!hasMoto) console.warn(`skipping ${testFile}: ${MOTO_SERVER} is absent (create the venv: see README)`);
  return hasMoto ? describe : describe.skip;
}

export interface Moto {
  endpoint: string;
  /** SDK clients on moto: region us-east-1, dummy credentials, path-style S3 */
  clients: AwsClients;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/** Polls moto's own API until it answers; moto takes a second or two to import its backends. */
async function waitUntilUp(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`moto_server exited with code ${child.exitCode} before answering on ${endpoint}`);
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms`);
}

/** Starts moto_server; call `stop()` in afterAll (it waits for the process to exit). */
export async function startMoto(timeoutMs = 30_000): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  try {
    await waitUntilUp(endpoint, child, timeoutMs);
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  }
  const clients = awsClients(
    {},
    { region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 2 },
  );
  return {
    endpoint,
    clients,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
