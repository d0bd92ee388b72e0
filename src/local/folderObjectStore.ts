/**
 * The lake as a local folder, laid out exactly as the S3 bucket: key `a/b/c.json` is the file
 * `<lakeDir>/a/b/c.json`. The local twin of S3ObjectStore.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../core/errors';
import type { ObjectStore } from '../core/ports';
import type { ObjectInfo } from '../core/types';

/** Temp files of in-flight atomic writes: never listed, as S3 never shows a half-written object. */
const TEMP_MARK = '.lakestep-tmp-';

export class FolderObjectStore implements ObjectStore {
  readonly lakeDir: string;

  /** @param lakeDir the lake folder (need not exist yet); stored absolute */
  constructor(lakeDir: string) {
    this.lakeDir = resolve(lakeDir);
  }

  /**
   * The file behind a key.
   * @throws InputError for an absolute key or one with `.`/`..` or empty segments (it would leave the lake)
   * @example store.localPath('raw/access_records/2024/03/05/10/f.gz') // '/…/lake/raw/access_records/2024/03/05/10/f.gz'
   */
  localPath(key: string): string {
    const parts = key.split('/');
    if (key === '' || parts.some((p) => p === '' || p === '.' || p === '..')) {
      throw new InputError('key', `"${key}" is not a relative, '/'-separated object key (no empty, "." or ".." segments)`);
    }
    return join(this.lakeDir, ...parts);
  }

  /**
   * Every file whose key starts with `prefix` (S3 semantics: a plain string prefix, so
   * `raw/a` matches `raw/a/…` and `raw/ab/…`), recursive, in key order.
   * `etag` is a 16-hex-digit hash of the file's mtimeMs and size: it changes when the file is rewritten.
   * @returns [] when nothing matches or the lake does not exist
   */
  async list(prefix: string): Promise<ObjectInfo[]> {
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash < 0 ? '' : prefix.slice(0, slash); // the deepest folder every match lies under
    const root = dirKey ? this.localPath(dirKey) : this.lakeDir;
    const out: ObjectInfo[] = [];
    await this.walk(root, dirKey, prefix, out);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async walk(dir: string, dirKey: string, prefix: string, out: ObjectInfo[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw e;
    }
    await Promise.all(
      entries.map(async (entry) => {
        if (entry.name.includes(TEMP_MARK)) return;
        const key = dirKey ? `${dirKey}/${entry.name}` : entry.name;
        // Descend only where a match can lie: the folder's key is a prefix of `prefix` or starts with it.
        if (entry.isDirectory()) {
          if (prefix.startsWith(`${key}/`) || key.startsWith(prefix) || `${key}/`.startsWith(prefix)) await this.walk(join(dir, entry.name), key, prefix, out);
        } else if (entry.isFile() && key.startsWith(prefix)) {
          const st = await stat(join(dir, entry.name));
          out.push({ key, size: st.size, etag: etagOf(st.mtimeMs, st.size) });
        }
      }),
    );
  }

  /**
   * @returns the parsed JSON, or undefined when the key does not exist
   * @throws SyntaxError (with the key in the message) when the file is not JSON
   */
  async getJson<T>(key: string): Promise<T | undefined> {
    let text: string;
    try {
      text = await readFile(this.localPath(key), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new SyntaxError(`${key}: not valid JSON (${(e as Error).message})`);
    }
  }

  /**
   * Writes `value` as JSON atomically: a temp file in the same folder, then a rename, so a reader
   * (or a crash) never sees half a plan.
   * @returns the key written
   */
  async putJson(key: string, value: unknown): Promise<string> {
    return this.putText(key, JSON.stringify(value, null, 2) + '\n', 'application/json');
  }

  /** Atomic: a temp file, then a rename, so list() and readers never see half an object. The content type is S3's concern only. */
  async putText(key: string, text: string, _contentType: string): Promise<string> {
    const path = this.localPath(key);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(temp, text);
      await rename(temp, path);
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
    return key;
  }
}

/** A short, stable stand-in for an S3 ETag: changes when a file's mtime or size does. */
export function etagOf(mtimeMs: number, size: number): string {
  return createHash('sha1').update(`${mtimeMs}:${size}`).digest('hex').slice(0, 16);
}
