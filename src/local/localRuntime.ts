/**
 * The embedded runtime: dynalite for the ledger and the lock (persisted under `<lake>/_state/`),
 * the lake folder for S3, DuckDB (or local spark-submit) for EMR steps, a DuckDB catalog for Glue,
 * files under `<lake>/_alerts/` for SNS and `<lake>/_events/` for EventBridge. Started and stopped around each command.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoLedger } from '../aws/dynamoLedger';
import { DynamoLock } from '../aws/dynamoLock';
import { ledgerTableNames } from '../aws/ledgerTables';
import { loadConfig, PACKAGE_ROOT, projectRoot, type LakestepConfig } from '../config/config';
import { holdPoint } from '../core/crashPoints';
import { InputError } from '../core/errors';
import type { Ports, StepRunner } from '../core/ports';
import { DuckDbCatalogCrawler } from './duckDbCatalogCrawler';
import { DuckDbStepRunner } from './duckdb/duckDbStepRunner';
import { startDynalite } from './dynaliteServer';
import { ensureTables, localDynamoClient } from './localDynamoTables';
import { DuckDbExportQueries } from './duckDbExportQueries';
import { FileNotifier } from './fileNotifier';
import { FileRunEvents } from './fileRunEvents';
import { FolderObjectStore } from './folderObjectStore';
import { LocalClusterManager } from './localClusterManager';
import { SparkSubmitExportQueries } from './sparkSubmitExportQueries';
import { SparkSubmitStepRunner } from './sparkSubmitStepRunner';
import { withStepFaults } from './stepFaults';

export type Engine = 'duckdb' | 'spark';

export interface LocalRuntime {
  lakeDir: string;
  config: LakestepConfig;
  ports: Ports;
  /** the same lock as `ports.lock`, with what only local commands use (describe) */
  lock: DynamoLock;
  /** true when this process opened the ledger store itself, so no other run is using the lake */
  ownsStore: boolean;
}

export interface LocalRuntimeOptions {
  lakeDir: string;
  engine?: Engine;
  /** where alerts are echoed (stderr by default; tests pass a sink) */
  alertStream?: NodeJS.WritableStream;
  /** the lake must exist already (status: a mistyped --lake must not quietly show an empty lake) */
  existing?: boolean;
  /** when a run holds the lake's ledger store, read it through that run's dynalite (status during a run) */
  joinRunningLedger?: boolean;
  /** the command only reads: on a lake this process cannot write, read a private copy of the ledger store (status) */
  readOnly?: boolean;
}

/** The folder of a lake's local DynamoDB store (the ledger and the lock). */
export const ledgerStoreDir = (lakeDir: string) => join(lakeDir, '_state', 'dynamodb');

/**
 * @throws InputError when `lakeDir` is a file, or `existing` is asked and it is missing or holds
 *   neither raw data (`raw/`) nor a ledger (`_state/`): a mistyped --lake (its parent, an empty
 *   folder) would otherwise report "nothing to do" and leave `_state/` and `_runs/` behind
 */
function checkLakeDir(lakeDir: string, existing: boolean): void {
  if (existsSync(lakeDir) && !statSync(lakeDir).isDirectory())
    throw new InputError('--lake', `${lakeDir} is a file (expected the lake folder)`);
  if (!existing) return;
  const expected = 'expected a folder made by `lakestep sample`, or one you made holding raw/<dataset>/ data';
  if (!existsSync(lakeDir)) throw new InputError('--lake', `there is no lake at ${lakeDir} (${expected})`);
  if (!existsSync(join(lakeDir, 'raw')) && !existsSync(join(lakeDir, '_state'))) {
    throw new InputError('--lake', `${lakeDir} holds no lake: no raw/ folder and no ledger (_state/) (${expected})`);
  }
}

/** @throws InputError when `--engine spark` is asked for and the venv with pyspark is missing, or the fault script is bad */
function stepRunner(engine: Engine, lakeDir: string, config: LakestepConfig): StepRunner {
  const opts = { lakeDir, projectRoot: projectRoot(), packageRoot: PACKAGE_ROOT, config };
  if (engine === 'spark' && !existsSync(join(PACKAGE_ROOT, '.venv', 'bin', 'spark-submit'))) {
    throw new InputError(
      '--engine',
      'spark runs the PySpark driver from the lakestep venv, which is missing: create it with `node scripts/ensure-python.js` (needs Python 3.11 and Java 17)',
    );
  }
  // LAKESTEP_STEP_FAULTS: a fault script ends the steps it names as EMR would (FAILED, CANCELLED, INTERRUPTED)
  return withStepFaults(engine === 'spark' ? new SparkSubmitStepRunner(opts) : new DuckDbStepRunner(opts));
}

/**
 * Runs `fn` with a started local runtime and stops it afterwards, also when `fn` throws.
 * @throws when another process holds the lake's ledger store (see dynaliteServer)
 */
export async function withLocalRuntime<T>(
  options: LocalRuntimeOptions,
  fn: (runtime: LocalRuntime) => Promise<T>,
): Promise<T> {
  const lakeDir = resolve(options.lakeDir);
  checkLakeDir(lakeDir, options.existing ?? false);
  if (!options.readOnly) mkdirSync(lakeDir, { recursive: true });
  const config = loadConfig();
  const dynamo = await startDynalite({
    dir: ledgerStoreDir(lakeDir),
    join: options.joinRunningLedger,
    readOnly: options.readOnly,
  });
  try {
    await holdPoint('store-open');
    const client = localDynamoClient(dynamo.endpoint);
    const tables = ledgerTableNames('local');
    await ensureTables(client, tables);
    const lock = new DynamoLock(client, tables.lock);
    const store = new FolderObjectStore(lakeDir);
    const ports: Ports = {
      store,
      ledger: new DynamoLedger(client, tables.ledger),
      lock,
      steps: stepRunner(options.engine ?? 'duckdb', lakeDir, config),
      clusters: new LocalClusterManager(),
      crawler: new DuckDbCatalogCrawler({ lakeDir, config }),
      notifier: new FileNotifier(lakeDir, options.alertStream),
      events: new FileRunEvents(store),
      // exports run on the engine that ran the stages
      exports:
        options.engine === 'spark'
          ? new SparkSubmitExportQueries({ lakeDir, store, config, packageRoot: PACKAGE_ROOT })
          : new DuckDbExportQueries(lakeDir, config, store),
      clock: { nowMs: () => Date.now() },
    };
    return await fn({ lakeDir, config, ports, lock, ownsStore: !dynamo.joined });
  } finally {
    await dynamo.stop();
  }
}
