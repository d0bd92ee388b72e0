/** Gzips and writes a sample's files into the lake folder in the background, counting bytes per dataset. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

export type ByteBucket = 'access' | 'downloads' | 'snapshots';

/** Gzips and writes files in the background (zlib runs on the libuv pool), at most a few at once. */
export class Writer {
  private readonly inflight: Promise<unknown>[] = [];
  /** folder → its mkdir, shared so concurrent writes into a new folder wait for the same one */
  private readonly dirs = new Map<string, Promise<unknown>>();
  private readonly bytes: Record<ByteBucket, number> = { access: 0, downloads: 0, snapshots: 0 };

  constructor(private readonly lakeDir: string) {}

  /** @param bucket whose byte count the compressed size adds to */
  async write(key: string, plain: Buffer, bucket: ByteBucket): Promise<void> {
    if (this.inflight.length >= 4) await this.inflight.shift()!;
    const p = this.writeNow(key, plain).then((n) => (this.bytes[bucket] += n));
    p.catch(() => undefined); // surfaced by the await in write()/close(); avoids an unhandled rejection meanwhile
    this.inflight.push(p);
  }

  private async writeNow(key: string, plain: Buffer): Promise<number> {
    const body = await gzipAsync(plain, { level: 1 }); // fast level: the bench writes gigabytes
    const path = join(this.lakeDir, ...key.split('/'));
    const dir = dirname(path);
    let made = this.dirs.get(dir);
    if (!made) this.dirs.set(dir, (made = mkdir(dir, { recursive: true })));
    await made;
    await writeFile(path, body);
    return body.length;
  }

  /** @returns bytes written per bucket */
  async close(): Promise<Record<ByteBucket, number>> {
    await Promise.all(this.inflight.splice(0));
    return this.bytes;
  }
}
