/**
 * The embedded DynamoDB: dynalite on 127.0.0.1, persisted in a folder (`<lake>/_state/dynamodb`),
 * so the ledger and the lock run the same AWS SDK code locally as on AWS.
 */
import { constants as fsConstants } from 'node:fs';
import { access, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import * as path from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LakestepError } from '../core/errors';
import { localDynamoClient } from './localDynamoTables';

type DynaliteFactory = (options: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;
interface LevelDb {
  open(): Promise<void>;
  close(): Promise<void>;
  iterator(): AsyncIterable<unknown>;
}
type LevelCtor = new (location: string) => LevelDb;

// Loaded on first start, not on import: importing this module must not need LevelDB's native binding.
// dynalite ships no types; `level` is dynalite's own dependency, resolved from dynalite so the versions match.
const loadDynalite = () => require('dynalite') as DynaliteFactory;
const loadLevel = () =>
  (require(require.resolve('level', { paths: [path.dirname(require.resolve('dynalite'))] })) as { Level: LevelCtor })
    .Level;

/** A running dynalite. `endpoint` is `http://127.0.0.1:<port>`; `stop()` closes the server and its store (idempotent). */
export interface DynaliteHandle {
  endpoint: string;
  /** true when this handle uses another process's dynalite (`join`): a run is using the store now */
  joined?: boolean;
  stop(): Promise<void>;
}

/** Where a running dynalite says which endpoint serves the store `dir` (so a reader can join it). */
const endpointFile = (dir: string) => `${dir}.endpoint`;

/**
 * Starts dynalite on 127.0.0.1 on a free port, with its LevelDB store in `dir` (created if missing),
 * and writes its endpoint beside the store (`<dir>.endpoint`, removed on stop).
 * Only one process can open a store: a second concurrent start on the same `dir` fails, unless
 * `join` is set: then it uses the dynalite of the process that holds the store (a handle whose
 * stop() leaves that server alone), for readers such as `lakestep status` during a run.
 * `readOnly` (a reader such as `status`): when this process cannot write the store's folder, it
 * serves a private copy of the store instead (nothing is written to the lake).
 * @throws LakestepError naming `dir` when another process (another lakestep run on this lake) has
 *   the store open and does not answer at its endpoint (or `join` is not set)
 */
export async function startDynalite({
  dir,
  join,
  readOnly,
}: {
  dir: string;
  join?: boolean;
  readOnly?: boolean;
}): Promise<DynaliteHandle> {
  if (readOnly && !(await writable(dir))) return serveCopy(dir);
  await mkdir(dir, { recursive: true });
  // Two processes starting at once could both pass the probe (open, close) before either dynalite
  // opened the store; the loser's dynalite then died on an uncaught "Database is not open". So the
  // probe and dynalite's open happen under a start-up lock, one process at a time.
  const startup = await acquireStartupLock(dir);
  try {
    try {
      await probeStore(dir);
    } catch (err) {
      const shared = join && err instanceof StoreLockedError ? await runningEndpoint(dir) : undefined;
      if (!shared) throw err;
      return { endpoint: shared, joined: true, stop: async () => undefined };
    }
    return await serveStore(dir);
  } finally {
    await startup.close();
  }
}

/** Whether this process may write the store folder (or create it); false on a read-only lake. */
async function writable(dir: string): Promise<boolean> {
  const existing = await access(dir).then(
    () => dir,
    () => path.dirname(dir),
  );
  return access(existing, fsConstants.W_OK).then(
    () => true,
    () => false,
  );
}

/**
 * dynalite over a private copy of the store `dir`, removed on stop: LevelDB must write (its LOCK
 * file, its log) even to read, so a reader of a read-only lake (a mounted snapshot, a `chmod -R a-w`
 * archive) reads a copy. No run can be using such a lake (a run writes), so there is nothing to join.
 * @throws the damaged-store error when the copy cannot be read
 */
async function serveCopy(dir: string): Promise<DynaliteHandle> {
  const copy = await mkdtemp(path.join(tmpdir(), 'lakestep-store-'));
  try {
    await cp(dir, copy, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err; // no store yet: an empty ledger
    });
    await rm(path.join(copy, 'LOCK'), { force: true }); // a killed run's LOCK file, copied read-only
    await probeStore(copy);
    const handle = await serveStore(copy);
    return {
      endpoint: handle.endpoint,
      stop: () => handle.stop().finally(() => rm(copy, { recursive: true, force: true })),
    };
  } catch (err) {
    await rm(copy, { recursive: true, force: true });
    throw err;
  }
}

/** How long a start waits for another process's start-up (probe and open: well under a second). */
const STARTUP_WAIT_MS = 20_000;

/**
 * The start-up lock of the store `dir`: a tiny LevelDB beside it (`<dir>.startup`), because LevelDB's
 * LOCK is an OS file lock, released when its process dies (`kill -9` included): it can never be stale.
 * Waits while another process holds it.
 * @throws LakestepError when it is still held after STARTUP_WAIT_MS, or cannot be opened
 */
async function acquireStartupLock(dir: string): Promise<LevelDb> {
  const Level = loadLevel();
  const deadline = Date.now() + STARTUP_WAIT_MS;
  for (;;) {
    const db = new Level(`${dir}.startup`);
    try {
      await db.open();
      return db;
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      if (cause?.code !== 'LEVEL_LOCKED') {
        throw new LakestepError(
          `cannot open the local DynamoDB store's start-up lock ${dir}.startup: ${cause?.message ?? (err as Error).message}`,
          { cause: err },
        );
      }
      if (Date.now() > deadline) throw inUse(dir, err);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** dynalite serving the store `dir` (which the caller has probed): started, answering, its endpoint written. */
async function serveStore(dir: string): Promise<DynaliteHandle> {
  // dynalite flips a new table to ACTIVE on a timer (500 ms by default); a stop within it would persist CREATING. No delay.
  const server = loadDynalite()({ path: dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  let stopped: Promise<void> | undefined;
  const handle: DynaliteHandle = {
    endpoint,
    stop() {
      // The endpoint goes first, so no reader joins a server that is closing. dynalite's close()
      // waits for open connections; the SDK keeps idle keep-alive sockets, so drop those.
      stopped ??= rm(endpointFile(dir), { force: true }).then(
        () =>
          new Promise<void>((resolve, reject) => {
            server.close((err) => (err ? reject(err) : resolve()));
            server.closeIdleConnections();
          }),
      );
      return stopped;
    },
  };
  // dynalite opens its store on the first request; one request now holds the store's lock for the handle's whole life.
  if (!(await answers(endpoint))) {
    await handle.stop();
    throw new LakestepError(`the local DynamoDB at ${endpoint} (store ${dir}) did not answer`);
  }
  await writeFile(endpointFile(dir), endpoint);
  return handle;
}

/** Whether a dynalite answers at `endpoint` (one ListTables). */
async function answers(endpoint: string): Promise<boolean> {
  const client = localDynamoClient(endpoint);
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

/** The endpoint of the process holding the store `dir`, when it wrote one and answers there (a run in progress). */
export async function runningEndpoint(dir: string): Promise<string | undefined> {
  const endpoint = await readFile(endpointFile(dir), 'utf8').catch(() => undefined);
  return endpoint && (await answers(endpoint)) ? endpoint : undefined;
}

/** Another process holds the store's LevelDB LOCK. */
class StoreLockedError extends LakestepError {}

const inUse = (dir: string, cause: unknown) =>
  new StoreLockedError(
    `the local DynamoDB store ${dir} is in use by another process (another lakestep run is using this lake); ` +
      `wait for it to finish, or use another --lake`,
    { cause },
  );

/**
 * Opens and closes the store once to find out whether another process holds its LevelDB LOCK.
 * Why not let dynalite find out: its store opens lazily, and a locked store surfaces only as an
 * uncaught exception on the first request, with the request left hanging. The caller holds the
 * start-up lock from before this probe until dynalite has opened the store, so no other process
 * can slip into the window between this close and that open.
 */
async function probeStore(dir: string): Promise<void> {
  // Without CURRENT, LevelDB would quietly start an empty store over the old files: a ledger lost without a word.
  const files = await readdir(dir);
  if (!files.includes('CURRENT') && files.some((f) => /\.(ldb|log)$/.test(f) || f.startsWith('MANIFEST-'))) {
    throw storeDamaged(dir, 'its CURRENT file is missing');
  }
  const Level = loadLevel();
  const db = new Level(dir);
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') throw inUse(dir, err);
    // LevelDB reports a damaged CURRENT/MANIFEST/table as `Corruption: …` (LEVEL_CORRUPTION).
    const reason = (cause as Error | undefined)?.message ?? (err as Error).message;
    if (cause?.code === 'LEVEL_CORRUPTION' || /corrupt/i.test(reason)) throw storeDamaged(dir, reason, err);
    throw new LakestepError(`cannot open the local DynamoDB store ${dir}: ${reason}`, { cause: err });
  }
  try {
    // Read every entry once (the store is small: a ledger): a damaged table file fails here, at open,
    // with what to do, instead of as a dynalite stack trace in the middle of a run.
    for await (const entry of db.iterator()) void entry;
  } catch (err) {
    throw storeDamaged(dir, (err as Error).message, err);
  } finally {
    await db.close();
  }
}

/** The ledger store cannot be read: the lake's files are fine, the ledger and the lock can be rebuilt. */
function storeDamaged(dir: string, reason: string, cause?: unknown): LakestepError {
  return new LakestepError(
    `the local ledger store ${dir} is damaged (${reason}); the lake's files are not affected. ` +
      `Rebuild the ledger: delete ${dir} and run \`lakestep adopt\` (records processed/ as it is, recomputes nothing) ` +
      `or \`lakestep run\` (recomputes every day from raw/)`,
    { cause },
  );
}
