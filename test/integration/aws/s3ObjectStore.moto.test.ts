/**
 * S3ObjectStore against a real S3 protocol server: moto's, on loopback, with path-style URLs and dummy
 * credentials. Runs the ObjectStore contract (the behaviour FolderObjectStore must share) plus the S3-only
 * parts: pagination past 1,000 keys and delimiter listing. Skipped, with the reason printed, only when
 * the project's Python venv (which provides moto_server) is absent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { awsClients } from '../../../src/aws/clients';
import { S3ObjectStore } from '../../../src/aws/s3ObjectStore';
import type { ObjectStore } from '../../../src/core/ports';

const MOTO_SERVER = resolve(__dirname, '../../../.venv/bin/moto_server');
const hasMoto = existsSync(MOTO_SERVER);
if (!hasMoto) console.warn(`skipping s3ObjectStore.moto.test.ts: ${MOTO_SERVER} is absent (create the venv: see README)`);
const describeIfMoto = hasMoto ? describe : describe.skip;

const BUCKET = 'lakestep-test-lake';

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
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode} before answering on ${endpoint}`);
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms`);
}

describeIfMoto('S3ObjectStore on moto_server', () => {
  let moto: ChildProcess;
  let store: S3ObjectStore;
  let put: (key: string, body: string) => Promise<unknown>;

  beforeAll(async () => {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    moto = spawn(MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    await waitUntilUp(endpoint, moto, 30_000);
    const { s3 } = awsClients({}, { region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    store = new S3ObjectStore(s3, BUCKET);
    put = (key, body) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  }, 60_000);

  afterAll(async () => {
    if (moto && moto.exitCode === null) {
      const exited = new Promise((r) => moto.once('exit', r));
      moto.kill('SIGTERM');
      await exited;
    }
  });

  describe('ObjectStore contract', () => {
    const contractStore = (): ObjectStore => store;

    it('lists nothing under an empty prefix', async () => {
      expect(await contractStore().list('nothing/here/')).toEqual([]);
    });

    it('round-trips JSON, including nested values and non-ASCII text', async () => {
      const value = { executionId: 'exec-1', days: ['2024-03-05'], nested: { n: 1.5, ok: true, none: null }, text: 'Zürich — 東京' };

      const key = await contractStore().putJson('plans/exec-1.json', value);

      expect(key).toBe('plans/exec-1.json');
      expect(await contractStore().getJson('plans/exec-1.json')).toEqual(value);
    });

    it('returns undefined for a missing key', async () => {
      expect(await contractStore().getJson('plans/missing.json')).toBeUndefined();
    });

    it('replaces an object on a second putJson, changing its size and etag', async () => {
      await contractStore().putJson('plans/replace.json', { v: 1 });
      const [before] = await contractStore().list('plans/replace.json');

      await contractStore().putJson('plans/replace.json', { v: 'two' });
      const [after] = await contractStore().list('plans/replace.json');

      expect(await contractStore().getJson('plans/replace.json')).toEqual({ v: 'two' });
      expect(after.size).toBe(Buffer.byteLength(JSON.stringify({ v: 'two' })));
      expect(after.etag).not.toBe(before.etag);
    });

    it('lists recursively in key order with byte sizes and unquoted etags, and not a sibling prefix', async () => {
      await put('raw/ds/2024/03/05/17/b.json', '{"a":1}');
      await put('raw/ds/2024/03/05/17/a.json', '{"é":1}');
      await put('raw/ds/year=2024/month=03/day=05/part 1.json', '{}');
      await put('raw/ds2/2024/03/05/17/x.json', '{}');

      const objects = await contractStore().list('raw/ds/');

      expect(objects.map((o) => o.key)).toEqual([
        'raw/ds/2024/03/05/17/a.json',
        'raw/ds/2024/03/05/17/b.json',
        'raw/ds/year=2024/month=03/day=05/part 1.json',
      ]);
      expect(objects[0].size).toBe(Buffer.byteLength('{"é":1}'));
      for (const o of objects) expect(o.etag).toMatch(/^[^"]+$/);
    });
  });

  describe('S3 only', () => {
    it('lists past 1,000 keys', async () => {
      const keys = Array.from({ length: 1050 }, (_, i) => `raw/many/2024/03/05/17/f-${String(i).padStart(4, '0')}.json`);
      for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => put(k, 'x')));

      const objects = await store.list('raw/many/');

      expect(objects.map((o) => o.key)).toEqual(keys);
    });

    it('lists the prefixes directly under a prefix, for both raw layouts', async () => {
      await put('raw/disc/2024/03/04/23/a.gz', 'x');
      await put('raw/disc/2024/03/05/00/b.gz', 'x');
      await put('raw/hive/year=2024/month=03/day=05/a.json', 'x');
      await put('raw/hive/year=2024/month=04/day=01/a.json', 'x');

      expect(await store.listPrefixes('raw/disc/2024/03/')).toEqual(['raw/disc/2024/03/04/', 'raw/disc/2024/03/05/']);
      expect(await store.listPrefixes('raw/hive/year=2024/')).toEqual(['raw/hive/year=2024/month=03/', 'raw/hive/year=2024/month=04/']);
    });
  });
});
