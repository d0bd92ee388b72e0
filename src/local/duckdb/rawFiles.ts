/** Finds a step's raw objects in the lake folder: only where its arrival days can be. */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { arrivalDayOfKey } from '../../core/rawKeys';
import type { Day } from '../../core/types';

/** A raw object of the step: its lake-relative key, absolute path and arrival day. */
export interface RawFile {
  key: string;
  path: string;
  arrivalDay: Day;
}

/**
 * The raw objects of the given arrival days, in key order. Looks only where those days can be:
 * Firehose `<prefix>YYYY/MM/DD/HH/<file>` and Hive `<prefix>year=YYYY/month=MM/day=DD/…`, so a step
 * never walks a year of raw data to find a week.
 */
export async function listRawFiles(lakeDir: string, rawPrefix: string, rawDays: Day[]): Promise<RawFile[]> {
  const wanted = new Set(rawDays);
  const files: RawFile[] = [];
  for (const day of rawDays) {
    const [y, m, d] = day.split('-');
    for (const folder of [`${rawPrefix}${y}/${m}/${d}/`, `${rawPrefix}year=${y}/month=${m}/day=${d}/`]) {
      for (const key of await walk(lakeDir, folder)) {
        const arrivalDay = arrivalDayOfKey(key, rawPrefix);
        if (arrivalDay !== undefined && wanted.has(arrivalDay))
          files.push({ key, path: join(lakeDir, key), arrivalDay });
      }
    }
  }
  return files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function walk(lakeDir: string, prefix: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(join(lakeDir, prefix), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const keys: string[] = [];
  for (const entry of entries) {
    // Hidden and temporary objects (`.tmp`, `_SUCCESS`-style markers) are not data.
    if (entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
    if (entry.isDirectory()) keys.push(...(await walk(lakeDir, `${prefix}${entry.name}/`)));
    else if (entry.isFile()) keys.push(`${prefix}${entry.name}`);
  }
  return keys;
}
