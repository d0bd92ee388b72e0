/**
 * Ledger and Lock contract suites, run against the real DynamoDB adapters on real dynalite
 * (a fresh store in a tmp dir per suite).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Ledger, Lock } from '../../src/core/ports';
import type { OutputDayState, RawPartitionState } from '../../src/core/types';
import { LockHeldError } from '../../src/core/errors';
import { DynamoLedger } from '../../src/aws/dynamoLedger';
import { DynamoLock } from '../../src/aws/dynamoLock';
import { ledgerTableNames } from '../../src/aws/ledgerTables';
import { type DynaliteHandle, runningEndpoint, startDynalite } from '../../src/local/dynaliteServer';
import { ensureTables, localDynamoClient } from '../../src/local/localDynamoTables';

const names = ledgerTableNames('test');

/** A dynalite in a fresh tmp dir with both tables, for one describe block. */
function useDynalite() {
  const ctx = {} as { dir: string; server: DynaliteHandle; client: DynamoDBClient };
  beforeAll(async () => {
    ctx.dir = path.join(await mkdtemp(path.join(tmpdir(), 'lakestep-dynalite-')), 'dynamodb');
    ctx.server = await startDynalite({ dir: ctx.dir });
    ctx.client = localDynamoClient(ctx.server.endpoint);
    await ensureTables(ctx.client, names);
  });
  afterAll(async () => {
    ctx.client?.destroy();
    await ctx.server?.stop();
    if (ctx.dir) await rm(path.dirname(ctx.dir), { recursive: true, force: true });
  });
  return ctx;
}

const day = (i: number) => new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
const raw = (dataset: string, d: string, fingerprint = `fp-${d}`): RawPartitionState => ({
  dataset,
  day: d,
  fingerprint,
  objectCount: 3,
  bytes: 1234,
});
const out = (dataset: string, d: string, executionId = 'exec-1'): OutputDayState => ({
  dataset,
  day: d,
  stageVersion: 'v1',
  executionId,
  committedAtMs: 1_700_000_000_000,
  recordsIn: 10,
  recordsOut: 8,
  duplicatesDropped: 2,
  rejected: 1,
});

function ledgerContract(name: string, makeLedger: (client: DynamoDBClient) => Ledger) {
  describe(`Ledger contract: ${name}`, () => {
    const ctx = useDynalite();
    let ledger: Ledger;
    beforeAll(() => {
      ledger = makeLedger(ctx.client);
    });

    it('returns nothing for an unknown dataset or execution', async () => {
      expect(await ledger.rawPartitions('nope')).toEqual([]);
      expect(await ledger.outputDays('nope')).toEqual([]);
      expect(await ledger.getExecution('nope')).toBeUndefined();
    });

    it('round-trips raw partitions and output days, days ascending, datasets apart', async () => {
      await ledger.commit({
        raw: [raw('a', '2024-01-03'), raw('a', '2024-01-01'), raw('b', '2024-01-02')],
        outputs: [out('a', '2024-01-02'), out('b', '2024-01-02')],
        removedRaw: [],
      });
      expect(await ledger.rawPartitions('a')).toEqual([raw('a', '2024-01-01'), raw('a', '2024-01-03')]);
      expect(await ledger.rawPartitions('b')).toEqual([raw('b', '2024-01-02')]);
      expect(await ledger.outputDays('a')).toEqual([out('a', '2024-01-02')]);
    });

    it('replaces a raw fingerprint and removes raw partitions listed in removedRaw', async () => {
      await ledger.commit({ raw: [raw('c', '2024-02-01'), raw('c', '2024-02-02')], outputs: [], removedRaw: [] });
      await ledger.commit({
        raw: [raw('c', '2024-02-01', 'changed')],
        outputs: [out('c', '2024-02-01', 'exec-2')],
        removedRaw: [
          { dataset: 'c', day: '2024-02-02' },
          { dataset: 'c', day: '2024-02-09' },
        ], // never known
      });
      expect(await ledger.rawPartitions('c')).toEqual([raw('c', '2024-02-01', 'changed')]);
      expect(await ledger.outputDays('c')).toEqual([out('c', '2024-02-01', 'exec-2')]);
    });

    it('keeps one archive boundary per table, the last one put', async () => {
      expect(await ledger.archives()).toEqual({});

      await ledger.putArchive('access_records', '2024-01-01');
      await ledger.putArchive('access_records', '2024-02-01');
      await ledger.putArchive('client_share_4w', '2024-01-01');

      expect(await ledger.archives()).toEqual({ access_records: '2024-02-01', client_share_4w: '2024-01-01' });
    });

    it('writes a key listed twice once (a put wins over a removal)', async () => {
      await ledger.commit({
        raw: [raw('d', '2024-03-01', 'first'), raw('d', '2024-03-01', 'second')],
        outputs: [],
        removedRaw: [{ dataset: 'd', day: '2024-03-01' }],
      });
      expect(await ledger.rawPartitions('d')).toEqual([raw('d', '2024-03-01', 'second')]);
    });

    it('commits 1,500 output days (60 batches) and reads them back past the 1 MB query page', async () => {
      // ~800-byte items: 1,500 of them pass dynalite's (and DynamoDB's) 1 MB page, so the read must follow LastEvaluatedKey.
      const longExec = `exec-${'x'.repeat(700)}`;
      const days = Array.from({ length: 1500 }, (_, i) => out('big', day(i), longExec));
      await ledger.commit({ raw: days.map((o) => raw('big', o.day)), outputs: days, removedRaw: [] });
      const send = jest.spyOn(DynamoDBDocumentClient.prototype, 'send');
      try {
        expect(await ledger.outputDays('big')).toEqual(days);
        expect(send.mock.calls.length).toBeGreaterThanOrEqual(2);
      } finally {
        send.mockRestore();
      }
      expect(await ledger.rawPartitions('big')).toHaveLength(1500);
    });

    it('round-trips an execution record, optional fields absent or present', async () => {
      await ledger.putExecution({ executionId: 'e-1', status: 'RUNNING', startedAtMs: 1000, failedDays: [] });
      expect(await ledger.getExecution('e-1')).toEqual({
        executionId: 'e-1',
        status: 'RUNNING',
        startedAtMs: 1000,
        failedDays: [],
      });
      const failed = {
        executionId: 'e-1',
        status: 'FAILED' as const,
        startedAtMs: 1000,
        endedAtMs: 5000,
        failedDays: [
          { dataset: 'a', day: '2024-01-02' },
          { dataset: 'a', day: '2024-01-03' },
        ],
        cause: 'StepFailedError: boom',
      };
      await ledger.putExecution(failed);
      expect(await ledger.getExecution('e-1')).toEqual(failed);
      await ledger.putExecution({
        executionId: 'e-2',
        status: 'SUCCEEDED',
        startedAtMs: 6000,
        endedAtMs: 7000,
        failedDays: [],
      });
      expect((await ledger.executions()).map((e) => [e.executionId, e.status])).toEqual([
        ['e-1', 'FAILED'],
        ['e-2', 'SUCCEEDED'],
      ]);
    });
  });
}

function lockContract(name: string, makeLock: (client: DynamoDBClient, lockName: string) => Lock) {
  describe(`Lock contract: ${name}`, () => {
    const ctx = useDynalite();
    const t0 = 1_700_000_000_000;
    let n = 0;
    // A fresh lock name per test, so the tests do not share state.
    const fresh = () => makeLock(ctx.client, `lock-${++n}`);

    it('acquires a free lock and refuses another execution while it is held', async () => {
      const lock = fresh();
      await lock.acquire('exec-a', t0, 60);
      const err = await lock.acquire('exec-b', t0 + 59_000, 60).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LockHeldError);
      expect(err).toMatchObject({ name: 'LockHeldError', holder: 'exec-a', expiresAtMs: t0 + 60_000 });
    });

    it('lets another execution take an expired lock (expiry in the condition, not TTL)', async () => {
      const lock = fresh();
      await lock.acquire('exec-a', t0, 60);
      await lock.acquire('exec-b', t0 + 60_001, 60);
      await expect(lock.acquire('exec-a', t0 + 61_000, 60)).rejects.toMatchObject({
        holder: 'exec-b',
        expiresAtMs: t0 + 120_001,
      });
    });

    it('is re-entrant for its holder, which extends the expiry', async () => {
      const lock = fresh();
      await lock.acquire('exec-a', t0, 60);
      await lock.acquire('exec-a', t0 + 30_000, 60);
      await expect(lock.acquire('exec-b', t0 + 80_000, 60)).rejects.toMatchObject({
        holder: 'exec-a',
        expiresAtMs: t0 + 90_000,
      });
    });

    it('release by a non-holder is a no-op; release by the holder frees it', async () => {
      const lock = fresh();
      await lock.acquire('exec-a', t0, 60);
      await lock.release('exec-b');
      await expect(lock.acquire('exec-b', t0 + 1000, 60)).rejects.toBeInstanceOf(LockHeldError);
      await lock.release('exec-a');
      await lock.acquire('exec-b', t0 + 1000, 60);
    });

    it('release of a lock nobody holds is a no-op', async () => {
      await fresh().release('exec-a');
    });

    it('keeps locks of different names apart', async () => {
      const a = makeLock(ctx.client, 'same-table-1');
      const b = makeLock(ctx.client, 'same-table-2');
      await a.acquire('exec-a', t0, 60);
      await b.acquire('exec-b', t0, 60);
    });
  });
}

ledgerContract('DynamoLedger on dynalite (DynamoDBClient)', (client) => new DynamoLedger(client, names.ledger));
ledgerContract(
  'DynamoLedger on dynalite (DynamoDBDocumentClient)',
  (client) => new DynamoLedger(DynamoDBDocumentClient.from(client), names.ledger),
);
lockContract('DynamoLock on dynalite', (client, lockName) => new DynamoLock(client, names.lock, lockName));

describe('dynalite store in a folder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = path.join(await mkdtemp(path.join(tmpdir(), 'lakestep-dynalite-')), 'dynamodb');
  });
  afterAll(async () => {
    await rm(path.dirname(dir), { recursive: true, force: true });
  });

  it('keeps the ledger and the lock across stop and start', async () => {
    let server = await startDynalite({ dir });
    let client = localDynamoClient(server.endpoint);
    await ensureTables(client, names);
    await new DynamoLedger(client, names.ledger).commit({
      raw: [raw('a', '2024-01-01')],
      outputs: [out('a', '2024-01-01')],
      removedRaw: [],
    });
    await new DynamoLock(client, names.lock).acquire('exec-a', 1000, 60);
    client.destroy();
    await server.stop();
    await server.stop(); // idempotent

    server = await startDynalite({ dir });
    client = localDynamoClient(server.endpoint);
    try {
      await ensureTables(client, names); // tables exist: no error
      const ledger = new DynamoLedger(client, names.ledger);
      expect(await ledger.rawPartitions('a')).toEqual([raw('a', '2024-01-01')]);
      expect(await ledger.outputDays('a')).toEqual([out('a', '2024-01-01')]);
      await expect(new DynamoLock(client, names.lock).acquire('exec-b', 2000, 60)).rejects.toMatchObject({
        holder: 'exec-a',
      });
    } finally {
      client.destroy();
      await server.stop();
    }
  });

  /** Starts dynalite on `dir` expecting a refusal; a start that succeeds is stopped, so a failing test cannot leak a server. */
  async function expectRefused(message: string | RegExp) {
    const started = await startDynalite({ dir }).then(
      async (h) => {
        await h.stop();
        return 'started';
      },
      (e: unknown) => e as Error,
    );
    expect(started).toBeInstanceOf(Error);
    expect((started as Error).message).toMatch(message);
  }

  it('refuses a second concurrent open of the same folder, naming it; reopens after stop', async () => {
    const first = await startDynalite({ dir });
    try {
      await expectRefused(
        `the local DynamoDB store ${dir} is in use by another process (another lakestep run is using this lake)`,
      );
    } finally {
      await first.stop();
    }
    const again = await startDynalite({ dir });
    await again.stop();
  });

  /** Runs `fn` while a child process holds the store in `dir` with its own dynalite. */
  async function whileAnotherProcessHoldsIt(fn: () => Promise<void>) {
    const { spawn } = await import('node:child_process');
    const script = `
      require('tsx/cjs');
      require('./src/local/dynaliteServer').startDynalite({ dir: process.argv[1] }).then((h) => {
        process.stdout.write('ready\\n');
        process.stdin.on('end', () => h.stop().then(() => process.exit(0)));
        process.stdin.resume();
      });`;
    const child = spawn(process.execPath, ['-e', script, dir], {
      cwd: path.resolve(__dirname, '../..'),
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (b: Buffer) => b.toString().includes('ready') && resolve());
        child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
      });
      await fn();
    } finally {
      child.stdin.end();
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    }
  }

  it('refuses the folder while another process holds it', async () => {
    await whileAnotherProcessHoldsIt(() =>
      expectRefused(/is in use by another process \(another lakestep run is using this lake\)/),
    );
  });

  it("lets a reader join the store another process holds, through that process's dynalite, and leaves it running", async () => {
    await whileAnotherProcessHoldsIt(async () => {
      const reader = await startDynalite({ dir, join: true });
      const readerClient = localDynamoClient(reader.endpoint);
      try {
        await ensureTables(readerClient, names);
        expect(await new DynamoLedger(readerClient, names.ledger).rawPartitions('a')).toEqual([raw('a', '2024-01-01')]);
      } finally {
        readerClient.destroy();
        await reader.stop();
      }
      // the holder's server still answers after the reader stopped
      const again = await startDynalite({ dir, join: true });
      expect(again.endpoint).toBe(reader.endpoint);
      await again.stop();
      expect(await runningEndpoint(dir)).toBe(reader.endpoint); // what status reports as a run in progress
    });
    expect(await runningEndpoint(dir)).toBeUndefined();
    // the holder removed its endpoint on stop: the store is free again
    const own = await startDynalite({ dir, join: true });
    expect(own.endpoint).not.toBe('');
    await own.stop();
  });
});
