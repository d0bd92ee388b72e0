/**
 * The lake as a local folder, laid out exactly as the S3 bucket: key `a/b/c.json` is the file
 * `<lakeDir>/a/b/c.json`. The local twin of S3ObjectStore.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, type Dirent, type Stats } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../core/errors';
import type { ObjectCopies, ObjectStore } from '../core/ports';
import type { ObjectInfo } from '../core/types';

/** Temp files of in-flight atomic writes: never listed, as S3 never shows a half-written object. */
const TEMP_MARK = '.lakestep-tmp-';

/**
 * The content hashes of files already hashed: `{ [key]: { stamp, etag } }`, where `stamp` is the
 * file's size, mtime, ctime and inode. A rewrite keeping size and mtime (`cp -p`, `rsync -t`) still
 * changes ctime (no tool can set it), so the file is hashed again; an unchanged file is not re-read.
 */
const ETAG_CACHE_KEY = '_state/etags.json';
type EtagCache = Record<string, { stamp: string; etag: string }>;

export class FolderObjectStore implements ObjectStore, ObjectCopies {
  readonly lakeDir: string;
  private cache?: EtagCache;

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
      throw new InputError(
        'key',
        `"${key}" is not a relative, '/'-separated object key (no empty, "." or ".." segments)`,
      );
    }
    return join(this.lakeDir, ...parts);
  }

  /**
   * Every file whose key starts with `prefix` (S3 semantics: a plain string prefix, so
   * `raw/a` matches `raw/a/…` and `raw/ab/…`), recursive, in key order.
   * `etag` is the first 16 hex digits of the file's content MD5 (as S3's ETag of a single-part
   * upload is an MD5): it changes when the content does, whatever mtime says. Hashes are cached in
   * `_state/etags.json` by key, size, mtime, ctime and inode, so a file is read once until it changes.
   * A symbolic link is listed with `symlink: true` (size 0, no etag) and not followed.
   * @returns [] when nothing matches or the lake does not exist
   */
  async list(prefix: string): Promise<ObjectInfo[]> {
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash < 0 ? '' : prefix.slice(0, slash); // the deepest folder every match lies under
    const root = dirKey ? this.localPath(dirKey) : this.lakeDir;
    const out: ObjectInfo[] = [];
    const cache = (this.cache ??= (await this.getJson<EtagCache>(ETAG_CACHE_KEY).catch(() => undefined)) ?? {});
    const hashed = { count: 0 };
    await this.walk(root, dirKey, prefix, out, cache, hashed);
    // A read-only lake (status on a mounted snapshot) cannot keep the cache: hash again next time.
    if (hashed.count > 0) await this.putJson(ETAG_CACHE_KEY, cache).catch(() => undefined);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async walk(
    dir: string,
    dirKey: string,
    prefix: string,
    out: ObjectInfo[],
    cache: EtagCache,
    hashed: { count: number },
  ): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw e;
    }
    await Promise.all(
      entries.map(async (entry) => {
        const key = dirKey ? `${dirKey}/${entry.name}` : entry.name;
        // the hash cache is this adapter's own bookkeeping, not an object of the lake (S3 has none)
        if (entry.name.includes(TEMP_MARK) || key === ETAG_CACHE_KEY) return;
        // Descend only where a match can lie: the folder's key is a prefix of `prefix` or starts with it.
        if (entry.isDirectory()) {
          if (prefix.startsWith(`${key}/`) || key.startsWith(prefix) || `${key}/`.startsWith(prefix))
            await this.walk(join(dir, entry.name), key, prefix, out, cache, hashed);
        } else if (entry.isFile() && key.startsWith(prefix)) {
          const path = join(dir, entry.name);
          const st = await stat(path);
          const stamp = stampOf(st);
          if (cache[key]?.stamp !== stamp) {
            cache[key] = { stamp, etag: await contentEtag(path) };
            hashed.count++;
          }
          out.push({ key, size: st.size, etag: cache[key].etag });
        } else if (entry.isSymbolicLink() && key.startsWith(prefix)) {
          // Listed, marked and never read: a link may point anywhere (out of the lake), and S3 has no links.
          out.push({ key, size: 0, etag: '', symlink: true });
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

  /** Copies a file through a temp file and a rename (list() never shows half a copy). @throws ENOENT when `fromKey` does not exist */
  async copy(fromKey: string, toKey: string): Promise<void> {
    const path = this.localPath(toKey);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await copyFile(this.localPath(fromKey), temp);
      await rename(temp, path);
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    }
  }

  /** Removes the files, then the folders they leave empty (as S3 has no empty "folders"). */
  async remove(keys: string[]): Promise<void> {
    const folders = new Set<string>();
    for (const key of keys) {
      await rm(this.localPath(key), { force: true });
      for (let dir = dirname(key); dir !== '.' && dir !== ''; dir = dirname(dir)) folders.add(dir);
    }
    // deepest first; a folder still holding something stays
    for (const dir of [...folders].sort((a, b) => b.length - a.length))
      await rmdir(this.localPath(dir)).catch(() => undefined);
  }
}

/** What identifies one version of a file without reading it (ctime: no tool sets it back). */
const stampOf = (st: Stats) => `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;

/** The first 16 hex digits of the file's content MD5: a short, stable stand-in for an S3 ETag. */
function contentEtag(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('md5');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex').slice(0, 16)));
  });
}
