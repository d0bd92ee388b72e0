/**
 * The local Glue crawler: publishes each processed table and its quarantine table as DuckDB views
 * in `<lake>/_catalog.duckdb`, so `lakestep query` answers what Athena would.
 * Views, partition types, relative paths, empty reject tables, snapshots and the atomic rebuild:
 * docs/duckdb-engine.md, "The local catalog".
 */
import { sqlString } from '../core/sqlText';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { copyFile, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { rejectedTable, type LakestepConfig } from '../config/config';
import type { Crawler, CrawlerState, SnapshotCatalog, SnapshotRegistration } from '../core/ports';
import { MANIFEST_FILE, type SnapshotManifest } from '../core/snapshots';
import { type CrawledPartition, type CrawlTarget, crawledPartitions, REJECTED_COLUMNS, viewSql } from './catalogTables';
import { DEFAULT_PARTITION_LAYOUT, REJECTED_PARTITION_LAYOUT, type PartitionLayout } from '../core/partitionLayout';

/** The catalog file, relative to the lake. */
export const CATALOG_FILE = '_catalog.duckdb';

const TABLE_NAME = /^[a-z][a-z0-9_]*$/;

export class DuckDbCatalogCrawler implements Crawler, SnapshotCatalog {
  private readonly lakeDir: string;
  private readonly config: LakestepConfig;
  private running = false;
  private last?: { status: 'SUCCEEDED' | 'FAILED'; error?: string; partitions: CrawledPartition[] };

  constructor(opts: { lakeDir: string; config: LakestepConfig }) {
    this.lakeDir = resolve(opts.lakeDir);
    this.config = opts.config;
  }

  /** Absolute path of the catalog file. */
  get catalogPath(): string {
    return join(this.lakeDir, CATALOG_FILE);
  }

  /**
   * Crawls `tables` (catalog table names: `access_records` publishes it and `rejected_access_records`,
   * `rejected_access_records` just that one; [] = every configured dataset), synchronously: when it resolves, state() is READY with the outcome.
   * Never throws for a failed crawl (Glue's StartCrawler does not either): see state().lastError.
   */
  async start(tables: string[]): Promise<void> {
    if (this.running) return; // a crawl already running counts as started
    this.running = true;
    try {
      const partitions = await this.crawl(this.targets(tables));
      this.last = { status: 'SUCCEEDED', partitions };
    } catch (e) {
      this.last = {
        status: 'FAILED',
        error: `local crawler (${this.catalogPath}): ${(e as Error).message}`,
        partitions: [],
      };
    } finally {
      this.running = false;
    }
  }

  async state(): Promise<{
    state: CrawlerState;
    lastStatus?: 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
    lastError?: string;
  }> {
    if (this.running) return { state: 'RUNNING', ...(this.last ? { lastStatus: this.last.status } : {}) };
    if (!this.last) return { state: 'READY' };
    return { state: 'READY', lastStatus: this.last.status, ...(this.last.error ? { lastError: this.last.error } : {}) };
  }

  /** The partitions the last successful crawl published (empty before one). */
  lastPartitions(): CrawledPartition[] {
    return this.last?.partitions ?? [];
  }

  /**
   * Catalog tables to publish: a dataset's table name gives its processed and its rejected table;
   * a rejected table's name (`rejected_<table>`, as the StartCrawler handler passes) gives just it.
   */
  private targets(tables: string[]): CrawlTarget[] {
    const datasets = Object.values(this.config.datasets);
    const names =
      tables.length > 0 ? tables : [...datasets.map((ds) => ds.table), ...Object.keys(this.config.aggregates)];
    const out = new Map<string, CrawlTarget>();
    const add = (t: CrawlTarget) => out.set(t.name, t);
    for (const name of names) {
      if (!TABLE_NAME.test(name)) throw new Error(`table "${name}" is not a lower-case table name`);
      const rejectedOf = datasets.find((d) => rejectedTable(d) === name);
      if (rejectedOf) {
        add({
          name,
          folder: `rejected/${rejectedOf.table}`,
          layout: REJECTED_PARTITION_LAYOUT,
          emptyColumns: REJECTED_COLUMNS,
        });
        continue;
      }
      const ds = datasets.find((d) => d.table === name);
      const layout = (ds ?? this.config.aggregates[name])?.partitionLayout ?? DEFAULT_PARTITION_LAYOUT;
      add({ name, folder: `processed/${name}`, layout });
      // only datasets quarantine records; an aggregate has no rejected table
      if (ds)
        add({
          name: rejectedTable(ds),
          folder: `rejected/${name}`,
          layout: REJECTED_PARTITION_LAYOUT,
          emptyColumns: REJECTED_COLUMNS,
        });
    }
    return [...out.values()];
  }

  private async crawl(requested: CrawlTarget[]): Promise<CrawledPartition[]> {
    return this.withCatalogCopy(async (con, rebuilt) => {
      // an unreadable catalog is rebuilt whole: every table, not only those asked for
      const targets = rebuilt
        ? [...new Map([...this.targets([]), ...requested].map((t) => [t.name, t])).values()]
        : requested;
      const partitions = await this.publish(con, targets);
      await con.run(
        `INSERT INTO lakestep_crawls VALUES (now()::TIMESTAMP, [${targets.map((t) => sqlString(t.name)).join(', ')}]::VARCHAR[], ${partitions.length})`,
      );
      await this.syncSnapshots(con);
      return partitions;
    });
  }

  /** Views (and lakestep_partitions rows) of `targets`. */
  private async publish(con: DuckDBConnection, targets: CrawlTarget[]): Promise<CrawledPartition[]> {
    const partitions: CrawledPartition[] = [];
    for (const target of targets) {
      const found = await crawledPartitions(this.lakeDir, target);
      partitions.push(...found);
      await con.run(viewSql(target, found.length > 0));
      await con.run(`DELETE FROM lakestep_partitions WHERE table_name = ${sqlString(target.name)}`);
      for (const p of found) {
        await con.run(
          `INSERT INTO lakestep_partitions VALUES (${sqlString(p.table)}, DATE ${sqlString(p.day)}, ${sqlString(p.folder)}, ${p.files}, ${p.bytes})`,
        );
      }
    }
    return partitions;
  }

  /**
   * The snapshots' views: one per complete snapshot (a manifest under `snapshots/<name>/<table>/`),
   * each recorded in `lakestep_snapshots`; a recorded one whose manifest is gone is dropped. Every
   * crawl runs it, so a rebuilt catalog has them too.
   */
  private async syncSnapshots(con: DuckDBConnection): Promise<void> {
    const complete = await this.snapshotManifests();
    const names = new Set(complete.map((m) => m.catalogTable));
    const recorded = (
      await (await con.runAndReadAll('SELECT catalog_table FROM lakestep_snapshots')).getRowObjectsJS()
    ).map((r) => String(r.catalog_table));
    for (const gone of recorded.filter((t) => !names.has(t))) await this.dropSnapshotView(con, gone);
    for (const m of complete) await this.createSnapshotView(con, m);
  }

  private async createSnapshotView(
    con: DuckDBConnection,
    s: { name: string; table: string; catalogTable: string; prefix: string; layout?: PartitionLayout },
  ): Promise<void> {
    if (!TABLE_NAME.test(s.catalogTable))
      throw new Error(`snapshot table "${s.catalogTable}" is not a lower-case table name`);
    await con.run(
      viewSql(
        { name: s.catalogTable, folder: s.prefix.replace(/\/$/, ''), layout: s.layout ?? DEFAULT_PARTITION_LAYOUT },
        true,
      ),
    );
    await con.run(`DELETE FROM lakestep_snapshots WHERE catalog_table = ${sqlString(s.catalogTable)}`);
    await con.run(
      `INSERT INTO lakestep_snapshots VALUES (${sqlString(s.catalogTable)}, ${sqlString(s.name)}, ${sqlString(s.table)}, ${sqlString(s.prefix)})`,
    );
  }

  private async dropSnapshotView(con: DuckDBConnection, catalogTable: string): Promise<void> {
    await con.run(`DROP VIEW IF EXISTS "${catalogTable.replace(/"/g, '')}"`);
    await con.run(`DELETE FROM lakestep_snapshots WHERE catalog_table = ${sqlString(catalogTable)}`);
  }

  /** Registers a snapshot's view now (its manifest comes after: see core/snapshots). */
  async register(snapshot: SnapshotRegistration): Promise<void> {
    await this.withCatalogCopy(async (con, rebuilt) => {
      if (rebuilt) await this.publish(con, this.targets([]));
      await this.syncSnapshots(con);
      await this.createSnapshotView(con, snapshot);
    });
  }

  async unregister(catalogTable: string): Promise<void> {
    await this.withCatalogCopy(async (con, rebuilt) => {
      if (rebuilt) await this.publish(con, this.targets([]));
      await this.dropSnapshotView(con, catalogTable);
      await this.syncSnapshots(con);
    });
  }

  /** The manifests of complete snapshots under `<lake>/snapshots/*\/*\/`. */
  private async snapshotManifests(): Promise<SnapshotManifest[]> {
    const root = join(this.lakeDir, 'snapshots');
    const out: SnapshotManifest[] = [];
    for (const name of await folders(root)) {
      for (const table of await folders(join(root, name))) {
        const text = await readFile(join(root, name, table, MANIFEST_FILE), 'utf8').catch(() => undefined);
        if (text !== undefined) out.push(JSON.parse(text) as SnapshotManifest);
      }
    }
    return out;
  }

  /**
   * Runs `work` on a copy of the catalog and renames it over the old one: readers never see half a
   * change, and an open `lakestep query` never blocks it. `rebuilt`: the old catalog could not be
   * opened, and `work` starts from an empty one (the catalog is derived data).
   */
  private async withCatalogCopy<T>(work: (con: DuckDBConnection, rebuilt: boolean) => Promise<T>): Promise<T> {
    const temp = `${this.catalogPath}.crawl-${process.pid}`;
    await rm(temp, { force: true });
    await rm(`${temp}.wal`, { force: true });
    if (await exists(this.catalogPath)) await copyFile(this.catalogPath, temp); // keep the views of tables not crawled now
    let instance: DuckDBInstance;
    let rebuilt = false;
    try {
      instance = await DuckDBInstance.create(temp);
    } catch {
      await rm(temp, { force: true });
      await rm(`${temp}.wal`, { force: true });
      instance = await DuckDBInstance.create(temp);
      rebuilt = true;
    }
    let result: T;
    try {
      const con = await instance.connect();
      try {
        // Relative paths resolve against the lake, here and in every reader (see the module doc).
        await con.run(`SET file_search_path = ${sqlString(this.lakeDir)}`);
        await con.run(
          `CREATE TABLE IF NOT EXISTS lakestep_partitions (table_name VARCHAR, day DATE, folder VARCHAR, files INTEGER, bytes BIGINT)`,
        );
        await con.run(
          `CREATE TABLE IF NOT EXISTS lakestep_crawls (crawled_at TIMESTAMP, tables VARCHAR[], partitions INTEGER)`,
        );
        await con.run(
          `CREATE TABLE IF NOT EXISTS lakestep_snapshots (catalog_table VARCHAR, name VARCHAR, table_name VARCHAR, folder VARCHAR)`,
        );
        result = await work(con, rebuilt);
        await con.run('CHECKPOINT');
      } finally {
        con.closeSync();
      }
    } catch (e) {
      instance.closeSync();
      await rm(temp, { force: true });
      await rm(`${temp}.wal`, { force: true });
      throw e;
    }
    instance.closeSync();
    await rm(`${temp}.wal`, { force: true });
    await rename(temp, this.catalogPath);
    return result;
  }
}

/** Names of the sub-folders of `dir` ([] when it does not exist). */
async function folders(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
