/**
 * What a killed local run leaves behind and nothing else needs: step scratch folders (`_tmp/`, up to
 * hundreds of MB a step), Spark staging (`_staging/`), half-built catalogs (`_catalog.duckdb.crawl-<pid>`)
 * and alert files cut before their rename (`_alerts/*.tmp`). Removed at the start of a run, while
 * that run holds the lake's store (so no live run owns any of it).
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CATALOG_FILE } from './duckDbCatalogCrawler';

/** @returns the lake-relative paths removed (empty when there were none) */
export async function removeCrashLeftovers(lakeDir: string): Promise<string[]> {
  const names = (dir: string) => readdir(join(lakeDir, dir)).catch(() => [] as string[]);
  const leftovers = [
    ...(await names('_tmp')).map((name) => `_tmp/${name}`),
    ...(await names('_staging')).map((name) => `_staging/${name}`),
    ...(await names('.')).filter((name) => name.startsWith(`${CATALOG_FILE}.crawl-`)),
    ...(await names('_alerts')).filter((name) => name.endsWith('.tmp')).map((name) => `_alerts/${name}`),
  ];
  for (const path of leftovers) await rm(join(lakeDir, path), { recursive: true, force: true });
  return leftovers;
}
