/**
 * What a killed local run leaves behind and nothing else needs: step scratch folders (`_tmp/`, up to
 * hundreds of MB a step), Spark staging (`_staging/`), half-built catalogs (`_catalog.duckdb.crawl-<pid>`)
 * and alert files cut before their rename (`_alerts/*.tmp`). Removed at the start of a run, while
 * that run holds the lake's store (so no live run owns any of it).
 */
import { readdir, rm, rmdir } from 'node:fs/promises';
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

/**
 * Removes the execution's `_staging/<execution>/` folder, and `_staging/` itself, when empty. Each step
 * removes its own `_staging/<execution>/<group>/` (the driver does it on S3 too); the folder they shared is
 * only removed here, after the execution, since locally a step running beside another may be creating its
 * group folder in it. A folder with anything in it stays (a non-recursive rmdir refuses it).
 * @param execution the execution's name (runKeys executionName)
 */
export async function removeEmptyStaging(lakeDir: string, execution: string): Promise<void> {
  for (const folder of [join('_staging', execution), '_staging'])
    await rmdir(join(lakeDir, folder)).catch(() => undefined);
}
