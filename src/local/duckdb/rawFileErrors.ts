/** Makes a DuckDB error about a staged file name the raw object it came from. */
import type { RawFile } from './rawFiles';

/**
 * Runs a read of staged files; an error that names a staged file (`…/f<file id>.json|txt`) is
 * rethrown naming the raw object it came from, which is what a user can find and fix, with any
 * quoted line cut to 500 characters (DuckDB quotes the whole offending line: it may be megabytes,
 * too much for a step's failure message, the ledger and an alert).
 */
export async function namingRawFiles<T>(files: RawFile[], read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    // not `instanceof Error`: the native addon's errors may come from another realm (jest)
    const message = (err as { message?: unknown } | undefined)?.message;
    if (typeof message !== 'string') throw err;
    const named = message
      .replace(/[^\s"']*\/f(\d+)\.(?:json|txt)\b/g, (whole, id: string) =>
        files[Number(id)] ? `${files[Number(id)].key} (staged as ${whole})` : whole,
      )
      .split('\n')
      .map((line) => (line.length > 500 ? `${line.slice(0, 500)}… (${line.length} characters)` : line))
      .join('\n');
    if (named === message) throw err;
    throw Object.assign(new Error(named, { cause: err }), { name: (err as Error).name });
  }
}
